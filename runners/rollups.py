"""Rollups of five minutes (from raw snapshots) and of an hour (from five-minute rollups).

A fetch that opens a new five-minute bucket rolls up the runner's previous one, so rollups
exist without a collector. `roll_up_all` catches up every runner and builds the hour rollups,
a few queries for all runners at once; the collector runs it every hour, and prune before it
deletes anything. Charts read finer rows for whatever is not rolled up yet (trends.py).
A bucket rolled up twice keeps its first rollup.

Hour rollups pay for themselves: with runners' rows interleaved as polling writes them,
a 30-day chart took ~46 ms to read 26,000 five-minute rows on SQLite (docs/benchmarks.md).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection

from django.conf import settings
from django.db.models import OuterRef, Subquery

from runners import buckets
from runners.models import GpuRollup, Runner, SnapshotRollup

FIVE_MINUTES, HOUR = 300, 3600
SPANS = (FIVE_MINUTES, HOUR)  # each built from the one before it (raw rows for the first)


def start_of(ts: int, span_s: int) -> int:
    return ts - ts % span_s


def settle_s() -> float:
    """How long a bucket may still receive snapshots after it ends.

    A snapshot is stamped when its fetch starts and written when the fetch ends.
    """
    return 2 * settings.UPSTREAM_DEADLINE


def after_fetch(runner_id: int, previous_ts: int | None, ts: int) -> None:
    """Roll up the five minutes of the previous fetch if the fetch at `ts` opens new ones.

    Under the lease the runner has one writer, so every earlier bucket was rolled up by an
    earlier fetch, and the previous fetch's bucket is complete now.
    """
    if previous_ts is not None and start_of(previous_ts, FIVE_MINUTES) < start_of(ts, FIVE_MINUTES):
        since, until = start_of(previous_ts, FIVE_MINUTES), start_of(ts, FIVE_MINUTES)
        _roll_up([runner_id], FIVE_MINUTES, since, until)


def roll_up_all(now_ts: int) -> int:
    """Roll up every finished bucket of every runner, of both spans; returns how many."""
    written = 0
    for span in SPANS:
        until = start_of(int(now_ts - settle_s()), span)
        for since, runner_ids in _runners_by_next_bucket(span).items():
            written += _roll_up(runner_ids, span, since, until)
    return written


def next_unrolled(runner_id: int, span_s: int) -> int:
    """The start of the first bucket after the runner's newest rollup of span_s (0 if none)."""
    newest = (
        SnapshotRollup.objects.filter(runner_id=runner_id, span_s=span_s)
        .order_by("-ts")
        .values_list("ts", flat=True)
        .first()
    )
    return 0 if newest is None else newest + span_s


def _runners_by_next_bucket(span_s: int) -> dict[int, list[int]]:
    """Runners grouped by the first bucket they have no rollup for: mostly one group."""
    newest = SnapshotRollup.objects.filter(runner=OuterRef("pk"), span_s=span_s).order_by("-ts")
    runners = Runner.objects.annotate(newest=Subquery(newest.values("ts")[:1]))
    groups: defaultdict[int, list[int]] = defaultdict(list)
    for runner_id, ts in runners.values_list("pk", "newest"):
        groups[0 if ts is None else ts + span_s].append(runner_id)
    return groups


def _roll_up(runner_ids: Collection[int], span_s: int, since: int, until: int) -> int:
    if since >= until:
        return 0
    source = None if span_s == SPANS[0] else SPANS[SPANS.index(span_s) - 1]
    rows = buckets.per_runner(runner_ids, since, until, span_s, rollup_s=source)
    gpus = buckets.gpus_per_runner(runner_ids, since, until, span_s, rollup_s=source)
    # ignore_conflicts: polling and a collector may roll up the same bucket at once.
    SnapshotRollup.objects.bulk_create(
        (
            SnapshotRollup(
                runner_id=runner_id,
                span_s=span_s,
                ts=ts,
                total=bucket.total,
                ok=bucket.ok,
                ram_min=bucket.ram.low,
                ram_avg=bucket.ram.rounded_mean,
                ram_max=bucket.ram.high,
                latency_min=bucket.latency.low,
                latency_avg=bucket.latency.rounded_mean,
                latency_max=bucket.latency.high,
            )
            for (runner_id, ts), bucket in rows.items()
        ),
        batch_size=500,
        ignore_conflicts=True,
    )
    GpuRollup.objects.bulk_create(
        (
            GpuRollup(
                runner_id=runner_id,
                span_s=span_s,
                ts=ts,
                gpu=gpu,
                samples=stat.n,
                vram_min=stat.low,
                vram_avg=stat.rounded_mean,
                vram_max=stat.high,
            )
            for (runner_id, ts, gpu), stat in gpus.items()
        ),
        batch_size=500,
        ignore_conflicts=True,
    )
    return len(rows)
