"""Availability (ok snapshots / all snapshots) and the log of status changes and outages."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from django.db.models import Aggregate, Count, Q, QuerySet, Sum

from runners.history import rollups
from runners.history.rollups import FIVE_MINUTES, start_of
from runners.models import Snapshot, SnapshotRollup, StatusChange
from runners.status import Status
from runners.units import DAY, HOUR

WINDOWS = {"24 h": DAY, "7 d": 7 * DAY, "30 d": 30 * DAY}
DOWN = frozenset(Status.in_group("failing"))


@dataclass(frozen=True)
class Uptime:
    """Of the fetches recorded since `since_ts`, how many were ok; and the first one's time.

    Windows start on the hour (as charts of a day or more do), so that a chart's
    availability and the uptime of the same span count the very same fetches.
    """

    ok: int
    total: int
    since_ts: int
    first_ts: int | None  # the first recorded bucket of the runner, if any

    @property
    def fraction(self) -> float | None:
        return self.ok / self.total if self.total else None

    @property
    def observed_from_ts(self) -> int | None:
        """When observation started, if later than the window: the window was not all seen."""
        if not self.total or self.first_ts is None or self.first_ts <= self.since_ts:
            return None
        return self.first_ts


def window_start(now_ts: int, span_s: int) -> int:
    """Where a window of span_s ending now starts: on the hour, like the rollups it reads."""
    return start_of(now_ts - span_s, HOUR)


def availability(
    runner_ids: Collection[int], windows_s: Sequence[int], now_ts: int
) -> dict[int, list[Uptime]]:
    """Per runner, its Uptime over each window ending now.

    Everything recorded counts once, whichever rollup jobs have run: hour rollups up to the
    runner's newest, five-minute rollups after it, then raw snapshots. Two queries for any
    number of runners.
    """
    starts = [window_start(now_ts, window) for window in windows_s]
    frontiers = rollups.frontiers(runner_ids)
    parts = _parts(frontiers, min(starts), now_ts + 1)
    rollup_sums = {"ok": lambda q: Sum("ok", filter=q), "total": lambda q: Sum("total", filter=q)}
    snapshot_counts = {
        "ok": lambda q: Count("pk", filter=q & Q(status=Status.OK)),
        "total": lambda q: Count("pk", filter=q),
    }
    queries = [
        _counts(SnapshotRollup.objects.filter(parts[HOUR], span_s=HOUR), starts, **rollup_sums),
        _counts(
            SnapshotRollup.objects.filter(parts[FIVE_MINUTES], span_s=FIVE_MINUTES),
            starts,
            **rollup_sums,
        ),
        _counts(Snapshot.objects.filter(parts[None]), starts, **snapshot_counts),
    ]
    sums = _summed(queries[0].union(*queries[1:], all=True))
    return {
        runner_id: [
            Uptime(ok, total, since, frontiers[runner_id].first_ts)
            for since, ok, total in zip(starts, counts[::2], counts[1::2], strict=True)
        ]
        for runner_id, counts in sums.items()
    }


def windows_for(runner_id: int, now_ts: int) -> list[tuple[str, Uptime | None]]:
    """The runner's uptime over each of WINDOWS, labelled."""
    found = availability([runner_id], list(WINDOWS.values()), now_ts).get(runner_id)
    return list(zip(WINDOWS, found or [None] * len(WINDOWS), strict=True))


def _parts(frontiers: dict[int, rollups.Frontier], since: int, until: int) -> dict[int | None, Q]:
    """Per source (an hour, five minutes, None for raw rows), which runners' rows to read:
    runners grouped by the stretch they read from it, a few stretches at most (the frontiers
    of polled runners are recent, and older ones fall before the window)."""
    stretches: dict[int | None, dict[tuple[int, int], list[int]]] = {
        HOUR: {},
        FIVE_MINUTES: {},
        None: {},
    }
    for runner_id, frontier in frontiers.items():
        for source, start, end in rollups.partition(frontier, since, until):
            stretches[source].setdefault((start, end), []).append(runner_id)
    parts = {}
    for source, groups in stretches.items():
        parts[source] = Q(pk__in=[])
        for (start, end), runner_ids in groups.items():
            parts[source] |= Q(runner_id__in=runner_ids, ts__gte=start, ts__lt=end)
    return parts


def _counts(
    rows: QuerySet,
    starts: Sequence[int],
    *,
    ok: Callable[[Q], Aggregate],
    total: Callable[[Q], Aggregate],
) -> QuerySet:
    """Per runner, ok and total counts inside each window."""
    counts: dict[str, Aggregate] = {}
    for since in starts:
        inside = Q(ts__gte=since)
        counts[f"ok_{since}"] = ok(inside)
        counts[f"total_{since}"] = total(inside)
    return rows.values("runner_id").annotate(**counts).order_by()


def _summed(rows: QuerySet) -> dict[int, list[int]]:
    """Each runner's counts added up over the rows of the union."""
    sums: dict[int, list[int]] = {}
    for row in rows:
        runner_id, *counts = row.values()
        found = sums.setdefault(runner_id, [0] * len(counts))
        for i, count in enumerate(counts):
            found[i] += count or 0
    return sums


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
class StatusRun:
    """The runner held `status` from start_ts until end_ts (None: it still does)."""

    status: str
    start_ts: int
    end_ts: int | None
    until_ts: int  # end_ts, or now

    @property
    def seconds(self) -> int:
        return self.until_ts - self.start_ts

    @property
    def is_down(self) -> bool:
        return self.status in DOWN


@dataclass(frozen=True)
class Outage:
    """A stretch of failure statuses: from going down until the next ok (or pause)."""

    start_ts: int
    end_ts: int | None  # None: still down
    seconds: int
    statuses: tuple[str, ...]
    ended_by: str | None


@dataclass(frozen=True)
class StatusLog:
    """The status history and the outages of a runner, read once so that they agree."""

    runs: list[StatusRun]
    outages: list[Outage]


def status_log(
    runner_id: int, now_ts: int, current: tuple[str, int] | None = None, limit: int = 20
) -> StatusLog:
    """The runner's latest status runs and outages, newest first, from its status changes.

    `current` (the state row's status and since when) ends the log, so that it agrees with
    the runner's badge even if a change went unlogged.
    """
    changes = StatusChange.objects.filter(runner_id=runner_id).order_by("-ts", "-pk")
    logged = list(changes.values_list("ts", "status")[: limit * 4])[::-1]
    # A change logged twice (a first fetch after seeding or an import) is one run.
    recent = [c for i, c in enumerate(logged) if i == 0 or c[1] != logged[i - 1][1]]
    if current is not None and (not recent or recent[-1][1] != current[0]):
        recent.append((max(current[1], recent[-1][0] if recent else 0), current[0]))
    ends: list[int | None] = [ts for ts, _ in recent[1:]]
    runs = [
        StatusRun(status, ts, end, now_ts if end is None else end)
        for (ts, status), end in zip(recent, [*ends, None], strict=False)
    ]
    return StatusLog(runs[::-1][:limit], _outages(runs)[::-1][:limit])


def outages(runner_id: int, now_ts: int, limit: int = 20) -> list[Outage]:
    """The runner's most recent outages, newest first; an ongoing one lasts until now."""
    return status_log(runner_id, now_ts, limit=limit).outages


def _outages(runs: list[StatusRun]) -> list[Outage]:
    """Consecutive failure runs merged into outages, oldest first."""
    found: list[Outage] = []
    down: list[StatusRun] = []
    for run in [*runs, None]:
        if run is not None and run.is_down:
            down.append(run)
        elif down:
            statuses = tuple(dict.fromkeys(each.status for each in down))
            end = down[-1].end_ts
            found.append(
                Outage(
                    down[0].start_ts,
                    end,
                    down[-1].until_ts - down[0].start_ts,
                    statuses,
                    run.status if run else None,
                )
            )
            down = []
    return found
