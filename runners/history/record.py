"""Writing what one fetch produced: the one call polling makes per fetch, inside its transaction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from runners.history import changelog, rollups, uptime
from runners.models import GpuSample, Snapshot
from runners.stats import RunnerStats
from runners.status import Status

MAX_GPU_SAMPLES = 64


@dataclass(frozen=True)
class Previous:
    """What the runner's state said before this fetch, read inside the fetch's transaction."""

    status: str
    fetched_ts: int | None
    stats: dict[str, Any] | None


def record(
    runner_id: int,
    ts: int,
    previous: Previous,
    status: Status,
    stats: RunnerStats | None = None,
    latency_ms: int | None = None,
) -> None:
    """Write the fetch at `ts`: its snapshot and GPU samples, the rollup it completes, the
    status log and the software change log. Stats and latency only for a successful fetch.
    """
    # One snapshot a second: a second fetch in the same second (the clock went back) is dropped.
    if not Snapshot.objects.filter(runner_id=runner_id, ts=ts).exists():
        snapshot, samples = _fetch_rows(runner_id, ts, status, stats, latency_ms)
        snapshot.save()
        GpuSample.objects.bulk_create(samples)
    rollups.after_fetch(runner_id, previous.fetched_ts, ts)
    uptime.note_status(runner_id, ts, previous.status, status)
    if stats is not None:
        changelog.note(runner_id, ts, previous.stats, stats)


def _fetch_rows(
    runner_id: int,
    ts: int,
    status: str,
    stats: RunnerStats | None = None,
    latency_ms: int | None = None,
) -> tuple[Snapshot, list[GpuSample]]:
    """The unsaved rows of one fetch: its snapshot, and a sample per real GPU (a CPU's or MPS
    device's "VRAM" is the RAM the snapshot holds)."""
    snapshot = Snapshot(
        runner_id=runner_id,
        ts=ts,
        status=status,
        ram_used=stats and stats.ram_used,
        ram_total=stats and stats.ram_total,
        latency_ms=latency_ms,
        queue_depth=stats and stats.queue_depth,
    )
    gpus = stats.gpus[:MAX_GPU_SAMPLES] if stats else ()
    samples = [
        GpuSample(
            runner_id=runner_id,
            ts=ts,
            gpu=number,
            vram_used=device.vram_used,
            vram_total=device.vram_total,
        )
        for number, device in enumerate(gpus)
    ]
    return snapshot, samples
