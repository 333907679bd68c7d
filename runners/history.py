"""Reading snapshots and GPU samples into series for charts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import F, Sum, Value

from runners.models import GpuSample, Snapshot

SPARKLINE_SPAN_S = 3600
SPARKLINE_BUCKETS = 30


def vram_sparklines(runner_ids: Iterable[int], now_ts: int) -> dict[int, list[float | None]]:
    """VRAM used as a fraction of all GPUs' total, per runner, over the last hour.

    One query for any number of runners; buckets without samples are None.
    """
    bucket_s = SPARKLINE_SPAN_S // SPARKLINE_BUCKETS
    first_bucket = (now_ts - SPARKLINE_SPAN_S) // bucket_s + 1
    rows = (
        GpuSample.objects.filter(
            runner_id__in=list(runner_ids), ts__gte=first_bucket * bucket_s, vram_total__gt=0
        )
        .annotate(bucket=F("ts") / Value(bucket_s))
        .values("runner_id", "bucket")
        .annotate(used=Sum("vram_used"), total=Sum("vram_total"))
        .order_by()
    )
    series: dict[int, list[float | None]] = defaultdict(lambda: [None] * SPARKLINE_BUCKETS)
    for row in rows:
        position = row["bucket"] - first_bucket
        if 0 <= position < SPARKLINE_BUCKETS and row["used"] is not None:
            series[row["runner_id"]][position] = row["used"] / row["total"]
    return series


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
