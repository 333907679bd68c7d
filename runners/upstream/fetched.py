from __future__ import annotations

from dataclasses import dataclass

from runners.stats import RunnerStats


@dataclass(frozen=True)
class Fetched:
    """What one successful fetch brings: normalised stats, its latency and the launch arguments.

    Nothing else of what the runner sent is kept: whole bodies cost storage and memory on every
    page that loads them, and may hold values the database refuses.
    """

    stats: RunnerStats
    latency_ms: int
    argv: tuple[str, ...] = ()
