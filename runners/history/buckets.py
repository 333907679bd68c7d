"""Snapshots, GPU samples and their five-minute rollups, aggregated into time buckets.

Raw rows and rollups come out in one shape, so a chart reads either, and a rollup holds the
very numbers a chart built from raw rows would show. Buckets are integer divisions of the
epoch (`ts / bucket_s`): SQLite and PostgreSQL compute them alike, and fast (DESIGN.md).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db.models import BigIntegerField, Count, F, Manager, Max, Min, Q, QuerySet, Sum, Value

from runners.models import GpuRollup, GpuSample, Snapshot, SnapshotRollup
from runners.status import Status

K = TypeVar("K")


@dataclass(frozen=True)
class Stat:
    """How many values, their sum, min and max: merges exactly, unlike an average."""

    n: int = 0
    total: int = 0
    low: int | None = None
    high: int | None = None

    @property
    def mean(self) -> float | None:
        return self.total / self.n if self.n else None

    def merged(self, other: Stat) -> Stat:
        return Stat(
            self.n + other.n,
            self.total + other.total,
            _pick(min, self.low, other.low),
            _pick(max, self.high, other.high),
        )


@dataclass(frozen=True)
class Bucket:
    """A bucket of snapshots: how many, how many ok, and the RAM, latency and queue depth of
    the ok ones."""

    total: int
    ok: int
    ram: Stat
    latency: Stat
    queue: Stat = Stat()

    def merged(self, other: Bucket) -> Bucket:
        return Bucket(
            self.total + other.total,
            self.ok + other.ok,
            self.ram.merged(other.ram),
            self.latency.merged(other.latency),
            self.queue.merged(other.queue),
        )


V = TypeVar("V", Bucket, Stat)


def _weighted(field: str, weight: str) -> Sum:
    return Sum(F(field) * F(weight), output_field=BigIntegerField())


def _raw(field: str, name: str) -> dict[str, Any]:
    return {
        f"{name}_n": Count(field),
        f"{name}_sum": Sum(field),
        f"{name}_min": Min(field),
        f"{name}_max": Max(field),
    }


def _rolled(name: str, weight: str) -> dict[str, Any]:
    return {
        f"{name}_n": Sum(weight, filter=Q(**{f"{name}_avg__isnull": False})),
        f"{name}_sum": _weighted(f"{name}_avg", weight),
        f"{name}_min": Min(f"{name}_min"),
        f"{name}_max": Max(f"{name}_max"),
    }


SNAPSHOT_AGGREGATES = {
    "all_n": Count("pk"),
    "ok_n": Count("pk", filter=Q(status=Status.OK)),
    **_raw("ram_used", "ram"),
    **_raw("latency_ms", "latency"),
    **_raw("queue_depth", "queue"),
}
ROLLUP_AGGREGATES = {
    "all_n": Sum("total"),
    "ok_n": Sum("ok"),
    **_rolled("ram", "ok"),
    **_rolled("latency", "ok"),
    **_rolled("queue", "ok"),
}
GPU_AGGREGATES = _raw("vram_used", "vram")
GPU_ROLLUP_AGGREGATES = _rolled("vram", "samples")


def snapshots(
    runner_id: int, since: int, until: int, bucket_s: int, rollup_s: int | None = None
) -> dict[int, Bucket]:
    """The runner's snapshots with since <= ts < until, by bucket start (epoch seconds).

    Read from raw snapshots, or from the rollups of `rollup_s` (bucket_s a multiple of it).
    """
    return {
        row["bucket"] * bucket_s: Bucket(
            row["all_n"],
            row["ok_n"],
            _stat(row, "ram"),
            _stat(row, "latency"),
            _stat(row, "queue"),
        )
        for row in snapshot_rows([runner_id], since, until, bucket_s, rollup_s)
    }


def gpu_samples(
    runner_id: int, since: int, until: int, bucket_s: int, rollup_s: int | None = None
) -> dict[tuple[int, int], Stat]:
    """VRAM used per (bucket start, GPU number), from raw samples or rollups, as `snapshots`."""
    return {
        (row["bucket"] * bucket_s, row["gpu"]): _stat(row, "vram")
        for row in gpu_rows([runner_id], since, until, bucket_s, rollup_s)
    }


def snapshot_rows(
    runner_ids: Collection[int], since: int, until: int, bucket_s: int, rollup_s: int | None
) -> QuerySet:
    """Bucketed snapshots of many runners: runner_id, bucket, all_n, ok_n, ram_n, ram_sum, …"""
    if rollup_s is None:
        rows = _rows(Snapshot.objects, runner_ids, since, until, bucket_s)
        return rows.annotate(**SNAPSHOT_AGGREGATES)
    rows = _rows(SnapshotRollup.objects.filter(span_s=rollup_s), runner_ids, since, until, bucket_s)
    return rows.annotate(**ROLLUP_AGGREGATES)


def gpu_rows(
    runner_ids: Collection[int], since: int, until: int, bucket_s: int, rollup_s: int | None
) -> QuerySet:
    """Bucketed GPU samples of many runners: runner_id, bucket, gpu, vram_n, vram_sum, …"""
    if rollup_s is None:
        rows = _rows(GpuSample.objects, runner_ids, since, until, bucket_s, "gpu")
        return rows.annotate(**GPU_AGGREGATES)
    rows = _rows(
        GpuRollup.objects.filter(span_s=rollup_s), runner_ids, since, until, bucket_s, "gpu"
    )
    return rows.annotate(**GPU_ROLLUP_AGGREGATES)


def merge(into: dict[K, V], more: dict[K, V]) -> dict[K, V]:
    """Both sets of buckets in one, merging buckets present in both."""
    merged = dict(into)
    for key, value in more.items():
        merged[key] = merged[key].merged(value) if key in merged else value
    return merged


def _rows(
    rows: QuerySet | Manager,
    runner_ids: Collection[int],
    since: int,
    until: int,
    bucket_s: int,
    *group: str,
) -> QuerySet:
    return (
        rows.filter(runner_id__in=runner_ids, ts__gte=since, ts__lt=until)
        .annotate(bucket=F("ts") / Value(bucket_s))
        .values("runner_id", "bucket", *group)
        .order_by()
    )


def _stat(row: dict[str, Any], name: str) -> Stat:
    return Stat(
        row[f"{name}_n"] or 0, row[f"{name}_sum"] or 0, row[f"{name}_min"], row[f"{name}_max"]
    )


def _pick(choose: Any, a: int | None, b: int | None) -> int | None:
    if a is None or b is None:
        return b if a is None else a
    return choose(a, b)
