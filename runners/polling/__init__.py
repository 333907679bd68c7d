"""When to fetch: refreshing runners under a single-flight lease, the ComfyControl rate budget,
the collector that keeps history when nobody watches, and importing ComfyControl runners.

The only code above `upstream/` that calls it.
"""

from runners.polling.refresh import (
    Attempt,
    attempt,
    comfycontrol_interval_floor,
    effective_interval,
    is_due,
    maybe_due,
    refresh,
)

__all__ = [
    "Attempt",
    "attempt",
    "comfycontrol_interval_floor",
    "effective_interval",
    "is_due",
    "maybe_due",
    "refresh",
]
