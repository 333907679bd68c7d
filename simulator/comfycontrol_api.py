"""The ComfyControl API: runner lists and stats behind Bearer tokens, tiers and a rate limit;
`/v1/user` tells the token's account and tier.

Pagination: `page` from 1 and `per_page` default 20; a per_page above 100 is clamped to 100,
a missing, non-integer or non-positive value is a 400.
"""

from __future__ import annotations

import re
from functools import partial

from simulator import bodies
from simulator.exchange import Outcome, Request, Routed, reason
from simulator.fleet import Fleet, direct_base_url
from simulator.runner import Kind, SimRunner, Token

API = "comfycontrol"
DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
PATH = re.compile(r"^/v1/(runner|managed-runner)(?:/([^/]+)/stats)?/?$")
KINDS: dict[str, Kind] = {"runner": "self_hosted", "managed-runner": "managed"}
MESSAGES = {
    401: "Invalid token",
    403: "Managed runners require Pro or Plus tier",
    404: "requested entity not found",
    429: "Too many requests",
    500: "Failed to get runner stats",
    503: "Service unavailable",
}


def error(status: int, message: str | None = None) -> Outcome:
    """A documented error body: {"status": N, "message": "..."}."""
    return Outcome.json(
        status, {"status": status, "message": message or MESSAGES.get(status) or reason(status)}
    )


def route(fleet: Fleet, request: Request) -> Routed:
    match = PATH.match(request.path)
    runner_id = match[2] if match else None
    runner = fleet.runners.get(runner_id) if runner_id else None
    routed = partial(
        Routed,
        api=API,
        runner_id=runner_id,
        latency_ms=fleet.latency_ms + (runner.latency_ms if runner else 0),
        error=error,
    )
    if not fleet.admit(request.client_ip):
        return routed(error(429))
    outcome, runner_mode = _answer(fleet, request, match, runner)
    global_mode = fleet.current_mode(fleet.comfycontrol_mode)
    return routed(outcome, mode=global_mode if global_mode != "ok" else runner_mode)


def _answer(
    fleet: Fleet, request: Request, match: re.Match[str] | None, runner: SimRunner | None
) -> tuple[Outcome, str]:
    """The answer, and the runner's mode when the answer is that runner's stats."""
    token = _authenticate(fleet, request)
    if isinstance(token, Outcome):
        return token, "ok"
    if request.path.rstrip("/") == "/v1/user":
        return Outcome.json(200, {"id": fleet.user_id, "tier": token.tier}), "ok"
    if match is None:
        return error(404), "ok"
    kind = KINDS[match[1]]
    if kind == "managed" and token.tier == "free":
        return error(403), "ok"
    if match[2] is None:
        return _list(fleet, request, kind), "ok"
    if runner is None or runner.kind != kind:
        return error(404), "ok"
    stats = bodies.comfycontrol_stats(runner, fleet.seed, fleet.clock())
    return Outcome.json(200, stats), fleet.current_mode(runner.mode)


def _authenticate(fleet: Fleet, request: Request) -> Token | Outcome:
    """The caller's valid token, or the error that refuses the call."""
    if request.method != "GET":
        return error(405)
    authorization = request.header("Authorization")
    if not authorization:
        return error(401, "Missing token")
    token = fleet.tokens.get(_bearer(authorization))
    if token is None:
        return error(401)
    if token.expired:
        return error(401, "Token expired")
    return token


def _list(fleet: Fleet, request: Request, kind: Kind) -> Outcome:
    page = _positive_int(request.query.get("page", "1"))
    per_page = _positive_int(request.query.get("per_page", str(DEFAULT_PER_PAGE)))
    if page is None or per_page is None:
        return error(400, "page and per_page must be positive integers")
    per_page = min(per_page, MAX_PER_PAGE)
    runners = fleet.of_kind(kind)
    shown = runners[(page - 1) * per_page : page * per_page]
    entries = [
        bodies.list_entry(r, direct_base_url(request.base_url, r.id), fleet.user_id) for r in shown
    ]
    return Outcome.json(200, {"runners": entries, "total": len(runners)})


def _bearer(authorization: str) -> str:
    scheme, _, token = authorization.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _positive_int(value: str) -> int | None:
    return int(value) if value.isascii() and value.isdigit() and int(value) > 0 else None
