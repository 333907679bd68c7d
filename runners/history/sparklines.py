"""The VRAM sparklines of cards: an hour of GPU samples, for many runners in one query."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import F, Sum, Value

from runners.models import GpuSample

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
