"""A simulated fleet: its runners and tokens, the switches tests turn, and what was asked of it."""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from simulator.counters import Hit, RateLimiter, RequestLog, tally, window_max
from simulator.generate import generate_runners
from simulator.runner import (
    Kind,
    SimRunner,
    Token,
    check_mode,
    default_tokens,
    resolve_mode,
)

Clock = Callable[[], float]


def direct_base_url(base_url: str, runner_id: str) -> str:
    return f"{base_url}/comfyui/{runner_id}"


class Fleet:
    """Runners and tokens behind one simulator. Safe to change from any thread while it serves.

    `clock` drives the rate limit, the request log, flapping and the live VRAM/RAM figures, so a
    test can pass a fake one and move time without sleeping.
    """

    def __init__(
        self,
        runners: Iterable[SimRunner] = (),
        tokens: Iterable[Token] | None = None,
        *,
        seed: int = 0,
        clock: Clock = time.monotonic,
    ) -> None:
        self.runners: dict[str, SimRunner] = {runner.id: runner for runner in runners}
        tokens = default_tokens() if tokens is None else tokens
        self.tokens: dict[str, Token] = {token.value: token for token in tokens}
        self.seed = seed
        self.clock = clock
        self.user_id = str(uuid.UUID(int=random.Random(f"user:{seed}").getrandbits(128), version=4))
        self.comfycontrol_mode = "ok"
        self.latency_ms = 0
        self.rate_limiter = RateLimiter()
        self.log = RequestLog()

    @classmethod
    def generate(
        cls,
        *,
        managed: int = 3,
        self_hosted: int = 3,
        direct: int = 4,
        seed: int = 0,
        clock: Clock = time.monotonic,
    ) -> Fleet:
        """A varied fleet, the same for the same arguments; see generate.py for the variety."""
        runners = generate_runners(
            managed=managed, self_hosted=self_hosted, direct=direct, seed=seed
        )
        return cls(runners, seed=seed, clock=clock)

    def runner(self, runner_id: str) -> SimRunner:
        """The runner with this id; raises KeyError."""
        try:
            return self.runners[runner_id]
        except KeyError:
            raise KeyError(f"no simulated runner {runner_id!r}") from None

    def of_kind(self, kind: Kind) -> list[SimRunner]:
        return [runner for runner in self.runners.values() if runner.kind == kind]

    def set_mode(self, runner_id: str, mode: str) -> None:
        """Switch a runner's failure mode (see runner.MODES); raises KeyError or ValueError."""
        self.runner(runner_id).mode = check_mode(mode)

    def set_comfycontrol_mode(self, mode: str) -> None:
        """A failure mode for every /v1 call, e.g. "status:503"; raises ValueError."""
        if check_mode(mode) == "hostile":
            raise ValueError("hostile is a runner mode, not a ComfyControl one")
        self.comfycontrol_mode = mode

    def set_latency(self, latency_ms: int, runner_id: str | None = None) -> None:
        """Added delay for one runner, or for every call when runner_id is None (they add up)."""
        if latency_ms < 0:
            raise ValueError("latency_ms must be >= 0")
        if runner_id is None:
            self.latency_ms = latency_ms
        else:
            self.runner(runner_id).latency_ms = latency_ms

    def set_ram_free(self, runner_id: str, ram_free: int | None) -> None:
        """Pin a runner's free RAM in bytes; None lets it drift again."""
        self.runner(runner_id).ram_free_pin = ram_free

    def set_vram_free(self, runner_id: str, device_index: int, vram_free: int | None) -> None:
        """Pin one GPU's free VRAM in bytes; None lets it drift again."""
        pins = self.runner(runner_id).vram_free_pins
        if vram_free is None:
            pins.pop(device_index, None)
        else:
            pins[device_index] = vram_free

    def current_mode(self, mode: str) -> str:
        return resolve_mode(mode, self.clock())

    def admit(self, client_ip: str) -> bool:
        """Apply ComfyControl's rate limit to one /v1 call now."""
        return self.rate_limiter.admit(client_ip, self.clock())

    def record(self, api: str, runner_id: str | None, status: int, ts: float) -> None:
        self.log.record(Hit(ts, api, runner_id, status))

    def comfycontrol_window_max(self, window_s: float = 10.0) -> int:
        """The most /v1 requests (from any client, 429s included) in any window of window_s."""
        return window_max((hit.ts for hit in self.log.hits("comfycontrol")), window_s)

    def count_429(self) -> int:
        return sum(hit.status == 429 for hit in self.log.hits("comfycontrol"))

    def requests_for(self, runner_id: str) -> int:
        """Requests addressed to this runner, via ComfyControl or directly, whatever the answer."""
        return sum(hit.runner_id == runner_id for hit in self.log.hits())

    def reset_counters(self) -> None:
        """Forget every request, and lift any rate-limit lockout."""
        self.log.clear()
        self.rate_limiter.reset()

    def stats(self, window_s: float = 10.0) -> dict[str, Any]:
        return {
            **tally(self.log.hits()),
            "window_s": window_s,
            "comfycontrol_window_max": self.comfycontrol_window_max(window_s),
            "comfycontrol_429": self.count_429(),
        }

    def describe(self, base_url: str) -> dict[str, Any]:
        """The fleet as a demo or benchmark seeds bookmarks from: URLs, headers, tokens."""
        return {
            "base_url": base_url,
            "comfycontrol_url": base_url,
            "comfycontrol_mode": self.comfycontrol_mode,
            "latency_ms": self.latency_ms,
            "tokens": [
                {"token": t.value, "tier": t.tier, "expired": t.expired}
                for t in self.tokens.values()
            ],
            "runners": [self.describe_runner(r, base_url) for r in self.runners.values()],
        }

    def describe_runner(self, runner: SimRunner, base_url: str) -> dict[str, Any]:
        served = runner.kind != "managed"
        return {
            "id": runner.id,
            "name": runner.name,
            "kind": runner.kind,
            "tags": list(runner.tags),
            "machine": runner.machine.label,
            "comfyui_version": runner.machine.comfyui_version,
            "legacy": runner.legacy,
            "base_url": direct_base_url(base_url, runner.id) if served else None,
            "headers": dict(runner.headers),
            "mode": runner.mode,
            "latency_ms": runner.latency_ms,
        }
