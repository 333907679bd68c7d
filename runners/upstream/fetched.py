from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from runners.stats import RunnerStats


@dataclass(frozen=True)
class Fetched:
    """What one successful fetch brings: normalised stats, the raw payload, and its latency."""

    stats: RunnerStats
    raw: Any
    latency_ms: int
