"""ComfyUI servers reached directly, each under /comfyui/<runner-id>, some behind a proxy.

Self-hosted ComfyControl runners are served here too: their listed `endpoint` points here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from simulator import bodies, inventory
from simulator.exchange import Outcome, Request, Routed, reason
from simulator.fleet import Fleet
from simulator.runner import SimRunner

API = "comfyui"
PATH = re.compile(r"^/comfyui/([^/]+)(/.*)?$")
NOT_FOUND = Outcome(404, b"", "text/plain; charset=utf-8")  # like aiohttp: empty, not JSON

Render = Callable[[SimRunner, int, float], Any]
ROUTES: dict[str, Render] = {
    "/system_stats": bodies.system_stats,
    "/extensions": lambda runner, _seed, _now: list(bodies.extensions(runner)),
    "/queue": bodies.queue,
    "/settings/Comfy.DevMode": lambda runner, _seed, _now: bodies.dev_mode(runner),
    "/object_info": inventory.object_info,
    "/models": inventory.folders,
}


def error(status: int) -> Outcome:
    """A proxy's or server's error: empty for 404 and success codes, a line of text otherwise."""
    if status == 404 or status < 400:
        return Outcome(status, b"", "text/plain; charset=utf-8")
    return Outcome.text(status, f"{status} {reason(status)}\n")


def route(fleet: Fleet, request: Request) -> Routed:
    match = PATH.match(request.path)
    runner = fleet.runners.get(match[1]) if match else None
    if match is None or runner is None or runner.kind == "managed":
        return Routed(NOT_FOUND, api=API, runner_id=match[1] if match else None)
    return Routed(
        _answer(fleet, runner, request, match[2] or "/"),
        api=API,
        runner_id=runner.id,
        mode=fleet.current_mode(runner.mode),
        latency_ms=fleet.latency_ms + runner.latency_ms,
        error=error,
    )


def _answer(fleet: Fleet, runner: SimRunner, request: Request, path: str) -> Outcome:
    denied = _check_headers(runner, request)
    if denied is not None:
        return denied
    if path.startswith("/api/"):
        if runner.legacy:
            return NOT_FOUND
        path = path.removeprefix("/api")
    render = ROUTES.get(path)
    if path.startswith("/models/"):
        folder = path.removeprefix("/models/")
        render = lambda runner, _seed, _now: inventory.model_files(runner, folder)  # noqa: E731
    if render is None or request.method != "GET":
        return NOT_FOUND
    if path.startswith("/settings/") and runner.multi_user and request.header("comfy-user") is None:
        return error(401)  # ComfyUI's user manager knows no "default" user
    return Outcome.json(200, render(runner, fleet.seed, fleet.clock()))


def _check_headers(runner: SimRunner, request: Request) -> Outcome | None:
    """What the runner's reverse proxy says: 401 without its header, 403 with a wrong value."""
    for name, expected in runner.headers.items():
        sent = request.header(name)
        if sent is None:
            return error(401)
        if sent != expected:
            return error(403)
    return None
