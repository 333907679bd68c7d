"""A week of made-up history for the demo's runners, so that charts, uptime and the change logs
have something to show from the first page. Written in bulk, with its rollups built.

A plain module over runners.models, like seeding.py.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from urllib.parse import unquote

from django.db import connection, transaction
from django.db.models import Model
from django.utils.text import slugify

from runners.history import rollups
from runners.models import GpuSample, Runner, Snapshot, SoftwareChange, StatusChange, Team
from runners.units import DAY, HOUR, MINUTE
from simulator import Fleet
from simulator.runner import SimRunner

STEP_S = 120  # one made-up fetch every two minutes: a week is 5,040 per runner
LIVE_S = 10 * MINUTE  # the last minutes are left to real polling
BATCH = 500  # rows per INSERT: 3,000 parameters, well inside SQLite's and PostgreSQL's limits
SNAPSHOT_COLUMNS = (
    "runner_id", "ts", "status", "ram_used", "ram_total", "latency_ms", "queue_depth",
)  # fmt: skip
SAMPLE_COLUMNS = ("runner_id", "ts", "gpu", "vram_used", "vram_total")


@dataclass(frozen=True)
class Shape:
    """What a runner's history is drawn around: its memory and the version it runs now."""

    ram_total: int
    vram_totals: tuple[int, ...]
    comfyui_version: str
    pack: str = ""  # a custom pack it has, logged as installed during the week
    has_queue: bool = False  # reached directly: its queue is read too


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
    snapshots: list[tuple[object, ...]] = []
    samples: list[tuple[object, ...]] = []
    statuses = []
    status = ""
    for ts in range(start, end, STEP_S):
        down = any(begin <= ts < until for begin, until in outages)
        if (now_status := "timeout" if down else "ok") != status:
            status = now_status
            statuses.append(StatusChange(runner_id=runner_id, ts=ts, status=status))
        if down:
            snapshots.append((runner_id, ts, status, None, None, None, None))
            continue
        load = _load(ts, rng)
        snapshots.append(_snapshot(runner_id, ts, shape, load, rng))
        samples.extend(
            (runner_id, ts, gpu, int(total * _clamp(load + rng.uniform(-0.08, 0.08))), total)
            for gpu, total in enumerate(shape.vram_totals)
        )
    _insert(Snapshot, SNAPSHOT_COLUMNS, snapshots)
    _insert(GpuSample, SAMPLE_COLUMNS, samples)
    StatusChange.objects.bulk_create(statuses)
    SoftwareChange.objects.bulk_create(_changes(runner_id, shape, start, end, rng))
    return len(snapshots)


def _insert(model: type[Model], columns: tuple[str, ...], rows: list[tuple[object, ...]]) -> None:
    # Plain multi-row INSERTs: bulk_create took 16.7 s on SQLite for the demo's 175,000 rows,
    # most of it building model instances and SQL; these take 2 s (python -m bench.demo_seed).
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(column) for column in columns)
    row_marks = f"({', '.join(['%s'] * len(columns))})"
    with connection.cursor() as cursor:
        for first in range(0, len(rows), BATCH):
            chunk = rows[first : first + BATCH]
            values = ", ".join([row_marks] * len(chunk))
            cursor.execute(
                f"INSERT INTO {table} ({names}) VALUES {values}",  # noqa: S608 - our own names
                [value for row in chunk for value in row],
            )


def _snapshot(
    runner_id: int, ts: int, shape: Shape, load: float, rng: random.Random
) -> tuple[object, ...]:
    ram_used = int(shape.ram_total * _clamp(0.15 + 0.5 * load))
    latency_ms = rng.randint(8, 40) + (int(200 * load) if rng.random() < 0.02 else 0)
    queue_depth = int(rng.random() * 6 * load * load) if shape.has_queue else None
    return (runner_id, ts, "ok", ram_used, shape.ram_total, latency_ms, queue_depth)


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


def shapes_for(team: Team, fleet: Fleet) -> dict[int, Shape]:
    """Each bookmark's id with the simulated machine it stands for."""
    by_slug = {slugify(sim.name)[:100]: sim for sim in fleet.runners.values()}
    runners = Runner.objects.filter(team=team, slug__in=by_slug).values_list("pk", "slug")
    return {pk: _shape(by_slug[slug]) for pk, slug in runners}


def _shape(sim: SimRunner) -> Shape:
    machine = sim.machine
    packs = sorted({unquote(path.split("/")[2]) for path in sim.extensions} - {"core"})
    return Shape(
        ram_total=machine.ram_total,
        vram_totals=(machine.gpu.vram_total,) * machine.gpu_count if machine.gpu.vram_total else (),
        comfyui_version=machine.comfyui_version,
        pack=packs[0] if packs else "",
        has_queue=sim.kind == "direct",
    )
