"""Axis ticks for charts: round values, and times on round minutes, hours or local days."""

from __future__ import annotations

import math
from datetime import datetime, tzinfo

from runners.units import DAY, HOUR, MINUTE

TIME_STEPS = (
    MINUTE, 5 * MINUTE, 10 * MINUTE, 15 * MINUTE, 30 * MINUTE,
    HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR,
    DAY, 2 * DAY, 7 * DAY, 14 * DAY, 30 * DAY,
)  # fmt: skip
NICE_FACTORS = (1, 2, 2.5, 5, 10)


def value_ticks(highest: float, most: int = 5) -> list[float]:
    """Ticks from 0 on a 1-2-2.5-5 step, the last at or above `highest`, at most `most`."""
    if highest <= 0:
        return [0.0, 1.0]
    magnitude = 10 ** math.floor(math.log10(highest / (most - 1)))
    step = next(f * magnitude for f in NICE_FACTORS if highest / (f * magnitude) <= most - 1)
    return [i * step for i in range(math.ceil(highest / step - 1e-9) + 1)]


def value_label(value: float) -> str:
    return f"{value:g}"


def time_ticks(start_ts: int, end_ts: int, tz: tzinfo, most: int = 8) -> list[tuple[int, str]]:
    """Round times between start and end with labels: `14:30` within a day, else `Nov 3`."""
    step = next((s for s in TIME_STEPS if (end_ts - start_ts) / s <= most), TIME_STEPS[-1])
    offset = _utc_offset(start_ts, tz)
    first = math.ceil((start_ts + offset) / step) * step - offset
    return [(ts, time_label(ts, tz, step)) for ts in range(first, end_ts + 1, step)]


def time_label(ts: int, tz: tzinfo, step: int) -> str:
    """`Nov 3` for steps of a day or more, `14:30` for steps of minutes, with seconds below."""
    moment = datetime.fromtimestamp(ts, tz)
    if step >= DAY:
        return f"{moment:%b} {moment.day}"
    return f"{moment:%H:%M:%S}" if step < MINUTE else f"{moment:%H:%M}"


def moment_label(ts: int, tz: tzinfo, bucket_s: int) -> str:
    """`Nov 3 14:30` for a bucket's start, with seconds when buckets are shorter than a minute."""
    moment = datetime.fromtimestamp(ts, tz)
    clock = f"{moment:%H:%M:%S}" if bucket_s < MINUTE else f"{moment:%H:%M}"
    return f"{moment:%b} {moment.day} {clock}"


def _utc_offset(ts: int, tz: tzinfo) -> int:
    offset = datetime.fromtimestamp(ts, tz).utcoffset()
    return int(offset.total_seconds()) if offset else 0
