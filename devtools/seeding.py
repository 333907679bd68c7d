"""Bookmarks for a simulated fleet, as `manage.py demo`, the tests and the benchmarks use them.

A plain module over runners.models: importable whether or not the devtools app is installed.
"""

from __future__ import annotations

import zlib
from dataclasses import replace
from typing import Any

from django.db import transaction
from django.utils.text import slugify

from runners.history import rollups
from runners.history.record import fetch_rows
from runners.models import ApiToken, GpuSample, Runner, Snapshot, StatusChange, Team
from runners.stats import RunnerStats
from runners.units import HOUR, now_ts
from runners.upstream.parse import parse_system_stats  # the parser every fetch uses
from simulator import Fleet, bodies
from simulator.runner import SimRunner

SOURCES = {"managed": Runner.Source.MANAGED, "self_hosted": Runner.Source.SELF_HOSTED}


@transaction.atomic
def seed_fleet(team: Team, fleet: dict[str, Any], poll_interval: int = 30) -> int:
    """Bookmark every runner of a simulator's `/_sim/fleet` description; returns how many.

    Idempotent: runners already bookmarked keep their settings.
    """
    token, _ = ApiToken.objects.get_or_create(
        team=team, label="Simulated ComfyControl (pro)", defaults={"secret": "cfc_sim_pro"}
    )
    for entry in fleet["runners"]:
        Runner.objects.get_or_create(
            team=team,
            slug=slugify(entry["name"])[:100],
            defaults=_bookmark(entry, token, poll_interval),
        )
    return len(fleet["runners"])


def _bookmark(entry: dict[str, Any], token: ApiToken, poll_interval: int) -> dict[str, Any]:
    common = {
        "name": entry["name"][:100],
        "tags": ", ".join(entry["tags"]),
        "poll_interval": poll_interval,
    }
    if entry["kind"] in SOURCES:
        return {
            **common,
            "source": SOURCES[entry["kind"]],
            "comfycontrol_id": entry["id"],
            "token": token,
        }
    return {
        **common,
        "source": Runner.Source.DIRECT,
        "base_url": entry["base_url"],
        "headers": entry["headers"],
    }


OUTAGE_S = 25 * 60


def seed_history(team: Team, fleet: Fleet, hours: int = 36, step_s: int = 120) -> int:
    """Past fetches of the team's bookmarks of `fleet`, from the simulator's own curves, with a
    25-minute outage each, so that charts and uptime have something to show; returns how many.

    Written straight into the history tables (then rolled up), far faster than fetching.
    Runners that already have history are left alone.
    """
    now = now_ts()
    bookmarks = {runner.slug: runner for runner in Runner.objects.filter(team=team)}
    written = 0
    for sim in fleet.runners.values():
        runner = bookmarks.get(slugify(sim.name)[:100])
        if runner is None or Snapshot.objects.filter(runner=runner).exists():
            continue
        down_at = now - (zlib.crc32(sim.id.encode()) % (hours - 2) + 1) * HOUR
        written += _seed_runner(
            runner, sim, fleet.seed, range(now - hours * HOUR, now - step_s, step_s), down_at
        )
    rollups.roll_up_all(now)
    return written


def _stats(sim: SimRunner, seed: int, ts: int) -> RunnerStats:
    """What a fetch at `ts` would have read; the queue only from servers reached directly."""
    stats = parse_system_stats(bodies.system_stats(sim, seed, ts))
    if sim.kind != "direct":
        return stats
    queue = bodies.queue(sim, seed, ts)
    return replace(
        stats,
        queue_running=len(queue["queue_running"]),
        queue_pending=len(queue["queue_pending"]),
    )


def _seed_runner(runner: Runner, sim: SimRunner, seed: int, times: range, down_at: int) -> int:
    snapshots, samples, changes = [], [], []
    previous = None
    for ts in times:
        status = "timeout" if down_at <= ts < down_at + OUTAGE_S else "ok"
        if status != previous:
            changes.append(StatusChange(runner=runner, ts=ts, status=status))
            previous = status
        stats = _stats(sim, seed, ts) if status == "ok" else None
        latency = 20 + zlib.crc32(f"{sim.id}{ts}".encode()) % 40 if stats else None
        snapshot, gpu_samples = fetch_rows(runner.pk, ts, status, stats, latency)
        snapshots.append(snapshot)
        samples.extend(gpu_samples)
    Snapshot.objects.bulk_create(snapshots, batch_size=2000)
    GpuSample.objects.bulk_create(samples, batch_size=2000)
    StatusChange.objects.bulk_create(changes)
    return len(snapshots)
