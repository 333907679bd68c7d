"""A runner's trend series: RAM used, VRAM used per GPU, fetch latency and availability.

The hour reads raw snapshots, 24 hours five-minute rollups, longer ranges hour rollups; each
adds the finer rows that are not rolled up yet, so a chart always reaches the last fetch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.safestring import SafeString

from runners import charts
from runners.history import buckets, rollups, uptime
from runners.history.buckets import Bucket, Stat
from runners.history.rollups import start_of
from runners.units import DAY, GIB, HOUR


@dataclass(frozen=True)
class TrendRange:
    key: str
    short: str
    label: str
    span_s: int
    bucket_s: int
    rollup_s: int | None  # the rollups it reads (then newer rows), or None: raw snapshots


# 90 to 180 points per series: a point's readout for the crosshair costs ~150 bytes with
# every panel, and a 30-day chart must stay under 40 KB (docs/benchmarks.md: 181 points of
# 4 hours made 40.9 KB). Buckets are whole multiples of the rollups read.
RANGES = {
    r.key: r
    for r in (
        TrendRange("1h", "1 h", "hour", HOUR, 20, None),
        TrendRange("24h", "24 h", "24 hours", DAY, 600, rollups.FIVE_MINUTES),
        TrendRange("7d", "7 d", "7 days", 7 * DAY, HOUR, rollups.HOUR),
        TrendRange("30d", "30 d", "30 days", 30 * DAY, 6 * HOUR, rollups.HOUR),
        TrendRange("90d", "90 d", "90 days", 90 * DAY, DAY, rollups.HOUR),
    )
}
DEFAULT_RANGE = "24h"

Point = tuple[int, float | None]


@dataclass(frozen=True)
class Series:
    """Points (bucket start, value; None where the runner was down) and their summary.

    `latest` is the value the runner reported last (what its card shows), when known.
    """

    label: str
    unit: str
    points: list[Point]
    low: float | None
    mean: float | None
    high: float | None
    latest: float | None = None

    @property
    def has_values(self) -> bool:
        return any(value is not None for _, value in self.points)

    @property
    def last(self) -> float | None:
        if self.latest is not None:
            return self.latest
        return next((value for _, value in reversed(self.points) if value is not None), None)


@dataclass(frozen=True)
class Latest:
    """What the runner reported last: the trend table's "Last" column, and the axes' tops."""

    ram_used: int | None = None
    ram_total: int | None = None
    vram_used: tuple[int | None, ...] = ()
    vram_total: tuple[int | None, ...] = ()
    latency_ms: int | None = None
    queue_depth: int | None = None
    gpu_count: int | None = None  # None: unknown, draw every GPU recorded

    def has_gpu(self, number: int) -> bool:
        """Samples recorded for a CPU or MPS device before they were left out are not a GPU."""
        return self.gpu_count is None or number < self.gpu_count


@dataclass(frozen=True)
class Trend:
    range: TrendRange
    frame: charts.Frame
    max_gap_s: int
    vram: list[Series]
    ram: Series
    latency: Series
    queue: Series
    availability: Series
    band: list[charts.BandCell]
    recording_since_ts: int | None = None
    vram_top: float | None = None
    ram_top: float | None = None

    @property
    def series(self) -> list[Series]:
        queue = [self.queue] if self.queue.has_values else []
        return [*self.vram, self.ram, self.latency, *queue, self.availability]

    @property
    def is_empty(self) -> bool:
        return not self.availability.points

    @property
    def ranges(self) -> list[TrendRange]:
        return list(RANGES.values())

    @property
    def chart(self) -> SafeString:
        label = (
            f"Status, VRAM and RAM used, fetch latency and queue depth over the last "
            f"{self.range.label}. "
            "The table below gives their minimum, average, maximum and last values."
        )
        return charts.trend_chart(self.panels, self.frame, self.max_gap_s, label, self.band)

    @property
    def panels(self) -> list[charts.Panel]:
        """One unit and one scale per panel: a 400 GiB RAM axis would flatten 80 GiB GPUs."""
        panels = [charts.Panel("VRAM used", "GiB", self.vram, top=self.vram_top)]
        return [
            *(panels if self.vram else []),
            charts.Panel("RAM used", "GiB", [self.ram], top=self.ram_top),
            charts.Panel("Fetch latency", "ms", [self.latency]),
            *(
                [charts.Panel("Queue depth", "prompts", [self.queue])]
                if self.queue.has_values
                else []
            ),
        ]


def trend(
    runner_id: int,
    trend_range: TrendRange,
    interval_s: int,
    now_ts: int,
    latest: Latest | None = None,
) -> Trend:
    """The runner's series over the range ending now, for a runner polled every interval_s.

    Ranges of a day or more start on the hour, as uptime windows do. A runner recorded for
    less than the range is drawn from its first record, in the buckets of the shortest range
    that holds it. Lines break where nothing was recorded for 2.5 intervals (or buckets).
    """
    latest = latest or Latest()
    since = (
        uptime.window_start(now_ts, trend_range.span_s)
        if trend_range.rollup_s
        else start_of(now_ts - trend_range.span_s, trend_range.bucket_s)
    )
    frontier = rollups.frontiers([runner_id]).get(runner_id)
    first_ts = frontier.first_ts if frontier else None
    reading = trend_range
    if first_ts is not None and first_ts > since:
        since = first_ts
        reading = next(
            r for r in RANGES.values() if r.span_s >= now_ts - first_ts or r == trend_range
        )
    bucket_s = reading.bucket_s
    end = (now_ts // bucket_s + 1) * bucket_s
    snapshots, gpus = _read(runner_id, reading, since, end, frontier)
    down = {ts for ts, bucket in snapshots.items() if not bucket.ok}
    gpu_numbers = sorted({gpu for _, gpu in gpus if latest.has_gpu(gpu)})
    return Trend(
        range=trend_range,
        frame=charts.Frame(start_of(since, bucket_s), end, bucket_s),
        max_gap_s=int(2.5 * max(bucket_s, interval_s)),
        vram=[
            _series(f"GPU {n}", "GiB", _gpu(gpus, n), down, GIB, _at(latest.vram_used, n))
            for n in gpu_numbers
        ],
        ram=_series("RAM", "GiB", _pick(snapshots, lambda b: b.ram), down, GIB, latest.ram_used),
        latency=_series(
            "Latency", "ms", _pick(snapshots, lambda b: b.latency), down, 1, latest.latency_ms
        ),
        queue=_series(
            "Queue", "prompts", _pick(snapshots, lambda b: b.queue), down, 1, latest.queue_depth
        ),
        availability=_availability(snapshots),
        band=[charts.BandCell(ts, b.ok, b.total) for ts, b in sorted(snapshots.items())],
        recording_since_ts=first_ts if first_ts == since else None,
        vram_top=_top(latest.vram_total),
        ram_top=_top((latest.ram_total,)),
    )


def _at(values: tuple[int | None, ...], n: int) -> int | None:
    return values[n] if n < len(values) else None


def _top(totals: tuple[int | None, ...]) -> float | None:
    known = [total for total in totals if total]
    return max(known) / GIB if known else None


def _read(
    runner_id: int,
    trend_range: TrendRange,
    start: int,
    end: int,
    frontier: rollups.Frontier | None,
) -> tuple[dict[int, Bucket], dict[tuple[int, int], Stat]]:
    """The range's buckets: its rollups, then finer rollups and raw rows not rolled up yet."""
    snapshots: dict[int, Bucket] = {}
    gpus: dict[tuple[int, int], Stat] = {}
    if frontier is None:
        return snapshots, gpus
    bucket_s = trend_range.bucket_s
    for source, since, until in rollups.partition(frontier, start, end, trend_range.rollup_s):
        snapshots = buckets.merge(
            snapshots, buckets.snapshots(runner_id, since, until, bucket_s, source)
        )
        gpus = buckets.merge(gpus, buckets.gpu_samples(runner_id, since, until, bucket_s, source))
    return snapshots, gpus


def _pick(snapshots: dict[int, Bucket], stat: Callable[[Bucket], Stat]) -> dict[int, Stat]:
    return {ts: stat(bucket) for ts, bucket in snapshots.items()}


def _gpu(gpus: dict[tuple[int, int], Stat], number: int) -> dict[int, Stat]:
    return {ts: stat for (ts, gpu), stat in gpus.items() if gpu == number}


def _series(
    label: str,
    unit: str,
    stats: dict[int, Stat],
    down: set[int],
    scale: int,
    latest: int | None = None,
) -> Series:
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
        _scaled(latest, scale),
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
