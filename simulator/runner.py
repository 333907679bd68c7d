"""A simulated runner, a ComfyControl token, and the failure modes a runner can be switched to."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from simulator.catalog import Machine

Kind = Literal["managed", "self_hosted", "direct"]
Tier = Literal["free", "pro", "plus"]

MODES = ("ok", "hang", "drip", "garbage", "wrong_shape", "huge", "huge_chunked", "hostile", "flap")
FLAP_PERIOD_S = 5.0


@dataclass(frozen=True)
class Token:
    value: str
    tier: Tier
    expired: bool = False


def default_tokens() -> list[Token]:
    return [
        Token("cfc_sim_pro", "pro"),
        Token("cfc_sim_plus", "plus"),
        Token("cfc_sim_free", "free"),
        Token("cfc_sim_expired", "pro", expired=True),
    ]


@dataclass
class SimRunner:
    id: str
    name: str
    kind: Kind
    machine: Machine
    extensions: tuple[str, ...]
    argv: tuple[str, ...]
    tags: tuple[str, ...] = ()
    # Self-hosted: the headers ComfyControl lists (secrets in clear). Direct and self-hosted:
    # the headers its reverse proxy requires on /comfyui/<id>/...
    headers: dict[str, str] = field(default_factory=dict)
    runner_type: str = ""  # managed runners: "pro" or "plus"
    status: str = "active"
    legacy: bool = False  # ComfyUI from before mid-2024: no /api/... routes
    dev_mode: bool | None = None  # None: the setting was never saved
    multi_user: bool = False  # --multi-user: settings routes answer 401 without comfy-user
    load: float = 0.5  # how busy the machine tends to be, 0..1
    queue_depth_max: int = 4
    created_at: str = "2024-01-15T10:30:00Z"
    mode: str = "ok"
    latency_ms: int = 0
    ram_free_pin: int | None = None
    vram_free_pins: dict[int, int] = field(default_factory=dict)


def check_mode(mode: str) -> str:
    """Return `mode` if it is one of MODES or `status:<200-599>`; raise ValueError otherwise."""
    name, _, code = mode.partition(":")
    if mode in MODES or (name == "status" and code.isdigit() and 200 <= int(code) <= 599):
        return mode
    raise ValueError(f"unknown mode {mode!r}: use one of {', '.join(MODES)} or status:<200-599>")


def resolve_mode(mode: str, now: float) -> str:
    """`flap` is ok for FLAP_PERIOD_S seconds, then status:500 as long; others stay as they are."""
    if mode != "flap":
        return mode
    return "ok" if int(now // FLAP_PERIOD_S) % 2 == 0 else "status:500"
