"""A runner's trend series: RAM used, VRAM used per GPU, fetch latency and availability.

The hour reads raw snapshots, 24 hours five-minute rollups, longer ranges hour rollups; each
adds the finer rows that are not rolled up yet, so a chart always reaches the last fetch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.safestring import SafeString

from runners import charts
from runners.history import buckets, rollups
from runners.history.buckets import Bucket, Stat
from runners.units import DAY, GIB, HOUR


@dataclass(frozen=True)
class TrendRange:
    key: str
    short: str
    label: str
    span_s: int
    bucket_s: int
    rollup_s: int | None  # the rollups it reads (then newer rows), or None: raw snapshots


# About 180 points per series: a point's hover readout costs ~130 bytes, and a 30-day chart
# must stay under 40 KB (docs/benchmarks.md). Buckets are whole multiples of the rollups read.
RANGES = {
    r.key: r
    for r in (
        TrendRange("1h", "1 h", "hour", HOUR, 20, None),
        TrendRange("24h", "24 h", "24 hours", DAY, 600, rollups.FIVE_MINUTES),
        TrendRange("7d", "7 d", "7 days", 7 * DAY, HOUR, rollups.HOUR),
        TrendRange("30d", "30 d", "30 days", 30 * DAY, 4 * HOUR, rollups.HOUR),
        TrendRange("90d", "90 d", "90 days", 90 * DAY, 12 * HOUR, rollups.HOUR),
    )
}
DEFAULT_RANGE = "24h"

Point = tuple[int, float | None]


@dataclass(frozen=True)
class Series:
    """Points (bucket start, value; None where the runner was down) and their summary."""

    label: str
    unit: str
    points: list[Point]
    low: float | None
    mean: float | None
    high: float | None

    @property
    def last(self) -> float | None:
        return next((value for _, value in reversed(self.points) if value is not None), None)


@dataclass(frozen=True)
class Trend:
    range: TrendRange
    frame: charts.Frame
    max_gap_s: int
    memory: list[Series]
    latency: Series
    availability: Series

    @property
    def series(self) -> list[Series]:
        return [*self.memory, self.latency, self.availability]

    @property
    def is_empty(self) -> bool:
        return not self.availability.points

    @property
    def ranges(self) -> list[TrendRange]:
        return list(RANGES.values())

    @property
    def chart(self) -> SafeString:
        label = (
            f"Memory used, fetch latency and availability over the last {self.range.label}. "
            "The table below gives their minimum, average, maximum and last values."
        )
        return charts.trend_chart(self.panels, self.frame, self.max_gap_s, label)

    @property
    def panels(self) -> list[charts.Panel]:
        return [
            charts.Panel("Memory used", "GiB", self.memory),
            charts.Panel("Fetch latency", "ms", [self.latency]),
            charts.Panel("Availability", "%", [self.availability], top=100),
        ]


def trend(runner_id: int, trend_range: TrendRange, interval_s: int, now_ts: int) -> Trend:
    """The runner's series over the range ending now, for a runner polled every interval_s.

    Lines break where nothing was recorded for 2.5 intervals (or buckets, if longer).
    """
    bucket_s = trend_range.bucket_s
    start = (now_ts - trend_range.span_s) // bucket_s * bucket_s
    end = (now_ts // bucket_s + 1) * bucket_s
    snapshots, gpus = _read(runner_id, trend_range, start, end)
    down = {ts for ts, bucket in snapshots.items() if not bucket.ok}
    gpu_numbers = sorted({gpu for _, gpu in gpus})
    return Trend(
        range=trend_range,
        frame=charts.Frame(start, end, bucket_s),
        max_gap_s=int(2.5 * max(bucket_s, interval_s)),
        memory=[
            _series("RAM", "GiB", _pick(snapshots, lambda b: b.ram), down, GIB),
            *(_series(f"GPU {n}", "GiB", _gpu(gpus, n), down, GIB) for n in gpu_numbers),
        ],
        latency=_series("Latency", "ms", _pick(snapshots, lambda b: b.latency), down, 1),
        availability=_availability(snapshots),
    )


def _read(
    runner_id: int, trend_range: TrendRange, start: int, end: int
) -> tuple[dict[int, Bucket], dict[tuple[int, int], Stat]]:
    """The range's buckets: its rollups, then finer rollups and raw rows not rolled up yet."""
    snapshots: dict[int, Bucket] = {}
    gpus: dict[tuple[int, int], Stat] = {}
    since = start
    for source in _sources(trend_range.rollup_s):
        until = end if source is None else max(since, rollups.next_unrolled(runner_id, source))
        if since < until:
            bucket_s = trend_range.bucket_s
            snapshots = buckets.merge(
                snapshots, buckets.snapshots(runner_id, since, until, bucket_s, source)
            )
            gpus = buckets.merge(
                gpus, buckets.gpu_samples(runner_id, since, until, bucket_s, source)
            )
        since = until
    return snapshots, gpus


def _sources(rollup_s: int | None) -> list[int | None]:
    """Coarsest first: [3600, 300, None] for hour rollups; None stands for raw snapshots."""
    if rollup_s is None:
        return [None]
    return [*reversed(rollups.SPANS[: rollups.SPANS.index(rollup_s) + 1]), None]


def _pick(snapshots: dict[int, Bucket], stat: Callable[[Bucket], Stat]) -> dict[int, Stat]:
    return {ts: stat(bucket) for ts, bucket in snapshots.items()}


def _gpu(gpus: dict[tuple[int, int], Stat], number: int) -> dict[int, Stat]:
    return {ts: stat for (ts, gpu), stat in gpus.items() if gpu == number}


def _series(label: str, unit: str, stats: dict[int, Stat], down: set[int], scale: int) -> Series:
    points: list[Point] = []
    overall = Stat()
    for ts in sorted(stats.keys() | down):
        stat = stats.get(ts, Stat())
        if stat.n:
            points.append((ts, stat.total / stat.n / scale))
            overall = overall.merged(stat)
        elif ts in down:
            points.append((ts, None))
    return Series(
        label,
        unit,
        points,
        _scaled(overall.low, scale),
        _scaled(overall.mean, scale),
        _scaled(overall.high, scale),
    )


def _availability(snapshots: dict[int, Bucket]) -> Series:
    points: list[Point] = [
        (ts, 100 * bucket.ok / bucket.total) for ts, bucket in sorted(snapshots.items())
    ]
    values = [value for _, value in points if value is not None]
    ok = sum(bucket.ok for bucket in snapshots.values())
    total = sum(bucket.total for bucket in snapshots.values())
    return Series(
        "Availability",
        "%",
        points,
        min(values, default=None),
        100 * ok / total if total else None,
        max(values, default=None),
    )


def _scaled(value: float | None, scale: int) -> float | None:
    return None if value is None else value / scale
