"""Plain factory functions: real rows with sensible defaults."""

from __future__ import annotations

from itertools import count
from typing import Any

from django.contrib.auth.models import User

from runners.models import ApiToken, GpuSample, Membership, Runner, Snapshot, Team

_seq = count(1)

TEST_TOKEN = "cfc_test_token_do_not_leak_7Qx9"


def make_user(username: str | None = None, **fields: Any) -> User:
    username = username or f"user{next(_seq)}"
    return User.objects.create_user(username=username, password="pw-" + username, **fields)


def make_team(name: str | None = None, **fields: Any) -> Team:
    n = next(_seq)
    name = name or f"Team {n}"
    return Team.objects.create(name=name, slug=fields.pop("slug", f"team-{n}"), **fields)


def make_member(team: Team, role: str = Membership.Role.MEMBER, **user_fields: Any) -> User:
    user = make_user(**user_fields)
    Membership.objects.create(user=user, team=team, role=role)
    return user


def make_token(team: Team, secret: str = TEST_TOKEN, **fields: Any) -> ApiToken:
    return ApiToken.objects.create(
        team=team, label=fields.pop("label", f"token {next(_seq)}"), secret=secret, **fields
    )


def make_runner(team: Team, **fields: Any) -> Runner:
    n = next(_seq)
    fields.setdefault("name", f"Runner {n}")
    fields.setdefault("slug", f"runner-{n}")
    fields.setdefault("source", Runner.Source.DIRECT)
    if fields["source"] == Runner.Source.DIRECT:
        fields.setdefault("base_url", "http://127.0.0.1:8188")
    else:
        fields.setdefault("comfycontrol_id", f"id-{n}")
        if "token" not in fields:
            fields["token"] = make_token(team)
    runner = Runner(team=team, **fields)
    runner.full_clean()
    runner.save()
    return runner


def make_snapshot(
    runner: Runner,
    ts: int,
    status: str = "ok",
    ram_used: int | None = None,
    latency_ms: int | None = None,
    vram_used: tuple[int | None, ...] = (),
) -> Snapshot:
    """A snapshot as polling records it, with one GPU sample per `vram_used` entry."""
    snapshot = Snapshot.objects.create(
        runner=runner,
        ts=ts,
        status=status,
        ram_used=ram_used,
        ram_total=None if ram_used is None else 64 * 1024**3,
        latency_ms=latency_ms,
    )
    GpuSample.objects.bulk_create(
        GpuSample(runner=runner, ts=ts, gpu=gpu, vram_used=used, vram_total=80 * 1024**3)
        for gpu, used in enumerate(vram_used)
    )
    return snapshot


def make_direct_runner(simulator: Any, mode: str = "ok", **fields: Any) -> Runner:
    """A bookmark of the simulator's first direct runner, switched to `mode`."""
    sim_runner = simulator.fleet.of_kind("direct")[0]
    simulator.fleet.set_mode(sim_runner.id, mode)
    return make_runner(
        make_team(),
        base_url=simulator.direct_base_url(sim_runner.id),
        headers=dict(sim_runner.headers),
        **fields,
    )


def make_fleet_runner(
    team: Team,
    packs: tuple[str, ...] = (),
    comfyui: str = "0.3.64",
    nodes: dict[str, str] | None = None,
    models: dict[str, list[str]] | None = None,
    vram_free: int | None = None,
    idle: bool = True,
    **fields: Any,
) -> Runner:
    """A runner that was fetched: its state (up, idle or busy) and its software, stored by the
    code polling uses; `nodes` (class -> pack) and `models` make a node inventory."""
    from django.utils import timezone

    from runners.intel import software
    from runners.models import RunnerState
    from runners.stats import Device, RunnerStats, Version

    runner = make_runner(team, **fields)
    extensions = ("/extensions/core/a.js", *(f"/extensions/{pack}/x.js" for pack in packs))
    stats = RunnerStats(
        comfyui_version=Version.parse(comfyui),
        extensions=extensions,
        devices=(Device("cuda", "NVIDIA A100", vram_total=80 * 1024**3, vram_free=vram_free),),
    )
    RunnerState.objects.create(
        runner=runner,
        status="ok",
        fetched_at=timezone.now(),
        succeeded_at=timezone.now(),
        stats=stats.to_dict(),
        vram_free_max=vram_free,
        vram_free_total=vram_free,
        idle_gpus=1 if idle else 0,
        gpu_models="NVIDIA A100",
    )
    row = software.note_software(runner.pk, stats)
    if nodes is not None:
        software.store_inventory(runner.pk, row.fingerprint, timezone.now(), nodes, models or {})
    return runner
