"""A week of made-up history for the demo's runners, so that charts, uptime and the change logs
have something to show from the first page. Written in bulk, with its rollups built.

A plain module over runners.models, like seeding.py.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from django.db import transaction

from runners.history import rollups
from runners.models import GpuSample, Snapshot, SoftwareChange, StatusChange
from runners.units import DAY, HOUR, MINUTE

STEP_S = 120  # one made-up fetch every two minutes: a week is 5,040 per runner
LIVE_S = 10 * MINUTE  # the last minutes are left to real polling
BATCH = 5_000


@dataclass(frozen=True)
class Shape:
    """What a runner's history is drawn around: its memory and the version it runs now."""

    ram_total: int
    vram_totals: tuple[int, ...]
    comfyui_version: str
    pack: str = ""  # a custom pack it has, logged as installed during the week


def seed_history(shapes: dict[int, Shape], now_ts: int, days: int = 7, seed: int = 1) -> int:
    """Write `days` of fetches before `now_ts` for each runner id in `shapes` that has no history
    yet: a daily load wave, two or three short outages, a ComfyUI upgrade and a pack installed;
    then build the rollups. Returns how many snapshots were written."""
    had_history = set(
        Snapshot.objects.filter(runner_id__in=shapes).values_list("runner_id", flat=True)
    )
    start = now_ts - days * DAY - (now_ts - days * DAY) % STEP_S
    written = 0
    for runner_id, shape in shapes.items():
        if runner_id not in had_history:
            written += _seed_one(runner_id, shape, start, now_ts - LIVE_S, random.Random(seed))
            seed += 1
    rollups.roll_up_all(now_ts)
    return written


@transaction.atomic
def _seed_one(runner_id: int, shape: Shape, start: int, end: int, rng: random.Random) -> int:
    outages = [_outage(rng, start, end) for _ in range(rng.randint(2, 3))]
    snapshots, samples, statuses = [], [], []
    status = ""
    for ts in range(start, end, STEP_S):
        down = any(begin <= ts < until for begin, until in outages)
        if (now_status := "timeout" if down else "ok") != status:
            status = now_status
            statuses.append(StatusChange(runner_id=runner_id, ts=ts, status=status))
        if down:
            snapshots.append(Snapshot(runner_id=runner_id, ts=ts, status=status))
            continue
        load = _load(ts, rng)
        snapshots.append(_snapshot(runner_id, ts, shape, load, rng))
        samples.extend(
            GpuSample(runner_id=runner_id, ts=ts, gpu=gpu, vram_total=total,
                      vram_used=int(total * _clamp(load + rng.uniform(-0.08, 0.08))))
            for gpu, total in enumerate(shape.vram_totals)
        )  # fmt: skip
    Snapshot.objects.bulk_create(snapshots, batch_size=BATCH)
    GpuSample.objects.bulk_create(samples, batch_size=BATCH)
    StatusChange.objects.bulk_create(statuses)
    SoftwareChange.objects.bulk_create(_changes(runner_id, shape, start, end, rng))
    return len(snapshots)


def _snapshot(runner_id: int, ts: int, shape: Shape, load: float, rng: random.Random) -> Snapshot:
    return Snapshot(
        runner_id=runner_id,
        ts=ts,
        status="ok",
        ram_used=int(shape.ram_total * _clamp(0.15 + 0.5 * load)),
        ram_total=shape.ram_total,
        latency_ms=rng.randint(8, 40) + (int(200 * load) if rng.random() < 0.02 else 0),
    )


def _load(ts: int, rng: random.Random) -> float:
    """Busy in the working day (UTC), quiet at night, with noise."""
    day_phase = math.sin(2 * math.pi * ((ts % DAY) - 8 * HOUR) / DAY)
    return _clamp(0.35 + 0.3 * day_phase + rng.uniform(-0.1, 0.1))


def _outage(rng: random.Random, start: int, end: int) -> tuple[int, int]:
    begin = rng.randrange(start + DAY, end - HOUR)
    return begin, begin + rng.randint(6, 40) * MINUTE


def _changes(
    runner_id: int, shape: Shape, start: int, end: int, rng: random.Random
) -> list[SoftwareChange]:
    upgraded = rng.randrange(start + DAY, end - DAY)
    previous = _previous_version(shape.comfyui_version)
    changes = [
        SoftwareChange(runner_id=runner_id, ts=upgraded, kind=SoftwareChange.Kind.VERSION,
                       item="ComfyUI", before=previous, after=shape.comfyui_version),
    ]  # fmt: skip
    if shape.pack:
        changes.append(
            SoftwareChange(runner_id=runner_id, ts=upgraded + 3 * MINUTE, item=shape.pack,
                           kind=SoftwareChange.Kind.PACK, before="", after="installed")
        )  # fmt: skip
    return changes


def _previous_version(version: str) -> str:
    parts = version.split(".")
    if len(parts) == 3 and parts[2].isdigit() and int(parts[2]) > 0:
        return ".".join([*parts[:2], str(int(parts[2]) - 1)])
    return "0.3.60"


def _clamp(value: float) -> float:
    return min(0.98, max(0.02, value))
