"""Availability (ok snapshots / all snapshots) and the log of status changes and outages."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from django.db.models import Aggregate, Count, Q, QuerySet, Sum

from runners.history.rollups import FIVE_MINUTES, start_of
from runners.models import Snapshot, SnapshotRollup, StatusChange
from runners.status import Status
from runners.units import DAY, HOUR

WINDOWS = {"24 h": DAY, "7 d": 7 * DAY, "30 d": 30 * DAY}
DOWN = frozenset(Status.in_group("failing"))


def availability(
    runner_ids: Collection[int], windows_s: Sequence[int], now_ts: int
) -> dict[int, list[float | None]]:
    """Per runner, the fraction of ok snapshots in each window ending now; None without any.

    One query for any number of runners: hour rollups up to the current hour (so windows
    start on the hour), five-minute rollups up to the current five minutes, then snapshots.
    """
    hour, five_minutes = start_of(now_ts, HOUR), start_of(now_ts, FIVE_MINUTES)
    rollup_sums = {"ok": lambda q: Sum("ok", filter=q), "total": lambda q: Sum("total", filter=q)}
    snapshot_counts = {
        "ok": lambda q: Count("pk", filter=q & Q(status=Status.OK)),
        "total": lambda q: Count("pk", filter=q),
    }
    hours = SnapshotRollup.objects.filter(span_s=HOUR, ts__gte=now_ts - max(windows_s), ts__lt=hour)
    fives = SnapshotRollup.objects.filter(span_s=FIVE_MINUTES, ts__gte=hour, ts__lt=five_minutes)
    latest = Snapshot.objects.filter(ts__gte=five_minutes)
    rows = _counts(hours, runner_ids, windows_s, now_ts, **rollup_sums).union(
        _counts(fives, runner_ids, windows_s, now_ts, **rollup_sums),
        _counts(latest, runner_ids, windows_s, now_ts, **snapshot_counts),
        all=True,
    )
    return {runner_id: _fractions(counts) for runner_id, counts in _summed(rows).items()}


def windows_for(runner_id: int, now_ts: int) -> list[tuple[str, float | None]]:
    """The runner's availability over each of WINDOWS, labelled."""
    fractions = availability([runner_id], list(WINDOWS.values()), now_ts).get(runner_id)
    return list(zip(WINDOWS, fractions or [None] * len(WINDOWS), strict=True))


def _counts(
    rows: QuerySet,
    runner_ids: Collection[int],
    windows_s: Sequence[int],
    now_ts: int,
    *,
    ok: Callable[[Q], Aggregate],
    total: Callable[[Q], Aggregate],
) -> QuerySet:
    """Per runner, ok and total counts inside each window: ok_<window>, total_<window>, …"""
    counts = {}
    for window in windows_s:
        inside = Q(ts__gte=now_ts - window)
        counts[f"ok_{window}"] = ok(inside)
        counts[f"total_{window}"] = total(inside)
    return rows.filter(runner_id__in=runner_ids).values("runner_id").annotate(**counts).order_by()


def _summed(rows: QuerySet) -> dict[int, list[int]]:
    """Each runner's counts added up over the rows of the union."""
    sums: dict[int, list[int]] = {}
    for row in rows:
        counts = sums.setdefault(row.pop("runner_id"), [0] * len(row))
        for i, count in enumerate(row.values()):
            counts[i] += count or 0
    return sums


def _fractions(counts: list[int]) -> list[float | None]:
    pairs = zip(counts[::2], counts[1::2], strict=True)
    return [ok / total if total else None for ok, total in pairs]


def note_status(runner_id: int, ts: int, previous: str, status: str) -> None:
    """Log the runner's new status if it differs from the previous one."""
    if status != previous:
        StatusChange.objects.create(runner_id=runner_id, ts=ts, status=status)


def note_statuses(runner_ids: list[int], ts: int, status: str) -> None:
    """Log that these runners, whose status was another, took `status` at `ts`."""
    StatusChange.objects.bulk_create(
        StatusChange(runner_id=runner_id, ts=ts, status=status) for runner_id in runner_ids
    )


@dataclass(frozen=True)
class Outage:
    """A stretch of failure statuses: from going down until the next ok (or pause)."""

    start_ts: int
    end_ts: int | None  # None: still down
    seconds: int
    statuses: tuple[str, ...]
    ended_by: str | None


def outages(runner_id: int, now_ts: int, limit: int = 20) -> list[Outage]:
    """The runner's most recent outages, newest first; an ongoing one lasts until now."""
    changes = StatusChange.objects.filter(runner_id=runner_id).order_by("-ts", "-pk")
    recent = list(changes.values_list("ts", "status")[: limit * 4])
    found: list[Outage] = []
    current: list[tuple[int, str]] = []
    for ts, status in reversed(recent):
        if status in DOWN:
            current.append((ts, status))
        elif current:
            found.append(_outage(current, ts, ts, status))
            current = []
    if current:
        found.append(_outage(current, None, now_ts, None))
    return found[::-1][:limit]


def _outage(
    changes: list[tuple[int, str]], end_ts: int | None, until_ts: int, ended_by: str | None
) -> Outage:
    start_ts = changes[0][0]
    statuses = tuple(dict.fromkeys(status for _, status in changes))
    return Outage(start_ts, end_ts, until_ts - start_ts, statuses, ended_by)


@dataclass(frozen=True)
class StatusRun:
    status: str
    start_ts: int
    end_ts: int

    @property
    def seconds(self) -> int:
        return self.end_ts - self.start_ts


def status_runs(runner_id: int, limit: int = 500) -> list[StatusRun]:
    """The runner's recent statuses, newest first, with consecutive equal snapshots merged."""
    rows = Snapshot.objects.filter(runner_id=runner_id).order_by("-ts").values_list("ts", "status")
    runs: list[StatusRun] = []
    for ts, status in rows[:limit]:
        if runs and runs[-1].status == status:
            runs[-1] = StatusRun(status, ts, runs[-1].end_ts)
        else:
            runs.append(StatusRun(status, ts, runs[-1].start_ts if runs else ts))
    return runs
