"""Deterministic fleets: the same counts and seed always give the same runners."""

from __future__ import annotations

import random
import uuid
from typing import TypedDict

from simulator import catalog
from simulator.catalog import Machine
from simulator.runner import SimRunner

ARGV_SECRET = ("--api-key", "sim-argv-secret")


class _Software(TypedDict):
    extensions: tuple[str, ...]
    argv: tuple[str, ...]
    dev_mode: bool | None
    load: float
    queue_depth_max: int
    created_at: str


def generate_runners(*, managed: int, self_hosted: int, direct: int, seed: int) -> list[SimRunner]:
    """Managed, then self-hosted, then direct runners; variety comes from the index and the seed."""
    rng = random.Random(seed)
    return (
        [_managed(i, rng, seed) for i in range(managed)]
        + [_self_hosted(i, rng, seed) for i in range(self_hosted)]
        + [_direct(i, rng, seed) for i in range(direct)]
    )


def _managed(i: int, rng: random.Random, seed: int) -> SimRunner:
    machine = _pick(catalog.MANAGED, i + seed)
    tier = ("pro", "plus")[i % 2]
    return SimRunner(
        id=_uuid(rng),
        name=f"Managed {tier.title()} {machine.label} {i + 1}",
        kind="managed",
        machine=machine,
        runner_type=tier,
        tags=("managed", machine.tag, "high-performance" if tier == "pro" else "standard"),
        **_software(machine, i, rng),
    )


def _self_hosted(i: int, rng: random.Random, seed: int) -> SimRunner:
    machine = _pick(catalog.MODERN, i + seed)
    runner_id = _uuid(rng)
    site = _numbered(catalog.SITES, i)
    return SimRunner(
        id=runner_id,
        name=f"{site} {machine.label}",
        kind="self_hosted",
        machine=machine,
        tags=(site.split()[0].lower(), machine.tag),
        # Like the documented list: most carry a proxy token, a LAN dev box carries none.
        headers={} if i % 3 == 2 else {"Authorization": f"Bearer sim-secret-{runner_id}"},
        status="inactive" if i % 7 == 6 else "active",
        **_software(machine, i, rng),
    )


def _direct(i: int, rng: random.Random, seed: int) -> SimRunner:
    # Cycle: plain, behind a Bearer proxy, legacy, behind an API-key proxy.
    variant = i % 4
    legacy = variant == 2
    machine = _pick(catalog.LEGACY, i // 4 + seed) if legacy else _pick(catalog.MODERN, i + seed)
    runner_id = f"direct-{i + 1}"
    headers = {
        1: {"Authorization": f"Bearer sim-proxy-{runner_id}"},
        3: {"X-API-Key": f"sim-proxy-key-{runner_id}"},
    }.get(variant, {})
    return SimRunner(
        id=runner_id,
        name=f"{catalog.HOSTS[i % len(catalog.HOSTS)]}-{i // len(catalog.HOSTS) + 1:02d} "
        f"({machine.label})",
        kind="direct",
        machine=machine,
        tags=(machine.tag, "legacy") if legacy else (machine.tag,),
        headers=headers,
        legacy=legacy,
        multi_user=i % 8 == 4,
        **_software(machine, i, rng),
    )


def _software(machine: Machine, i: int, rng: random.Random) -> _Software:
    legacy = machine.comfyui_version == "unknown"
    core = catalog.LEGACY_CORE_EXTENSIONS if legacy else catalog.CORE_EXTENSIONS
    return {
        "extensions": core + _pack_files(rng),
        "argv": machine.argv + ARGV_SECRET if i % 3 == 0 else machine.argv,
        "dev_mode": rng.choice((None, None, False, False, True)),
        "load": round(rng.uniform(0.1, 0.95), 2),
        "queue_depth_max": rng.choice((0, 1, 3, 6, 12, 30)),
        "created_at": f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T"
        f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00Z",
    }


def _pack_files(rng: random.Random) -> tuple[str, ...]:
    others = [name for name in catalog.PACKS if name != "ComfyUI-Manager"]
    chosen = rng.sample(others, rng.choice((0, 1, 3, 5, 8)))
    if rng.random() < 0.85:
        chosen.append("ComfyUI-Manager")
    # ComfyUI walks custom_nodes/ in directory order.
    return tuple(
        f"/extensions/{pack}/{file}"
        for pack in sorted(chosen, key=str.lower)
        for file in catalog.PACKS[pack]
    )


def _pick(machines: tuple[Machine, ...], n: int) -> Machine:
    return machines[n % len(machines)]


def _numbered(names: tuple[str, ...], i: int) -> str:
    name = names[i % len(names)]
    return name if i < len(names) else f"{name} {i // len(names) + 1}"


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))
