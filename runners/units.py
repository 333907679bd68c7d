"""Units and time constants, defined once: bytes per GiB, seconds per minute, hour and day."""

from __future__ import annotations

from django.utils import timezone

GIB = 1024**3
MINUTE = 60
HOUR = 60 * MINUTE
DAY = 24 * HOUR


def now_ts() -> int:
    """The current time as integer epoch seconds, the unit history is stored in."""
    return int(timezone.now().timestamp())
