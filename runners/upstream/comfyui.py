"""A ComfyUI server reached directly: system stats, extensions, queue and dev mode."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from runners.stats import DEV_MODE_DEFAULT, DEV_MODE_NEEDS_USER
from runners.upstream import errors
from runners.upstream.egress import EgressPolicy, Limits, Response, get
from runners.upstream.fetched import Fetched
from runners.upstream.parse import (
    extension_fields,
    parse_argv,
    parse_dev_mode,
    parse_queue,
    parse_system_stats,
)
from runners.upstream.responses import json_body, unexpected_status

SERVER = "The ComfyUI server"
# A setting is a few bytes; a queue lists every pending prompt with its whole workflow.
SETTING_MAX_BYTES = 64 * 1024
QUEUE_MAX_BYTES = 512 * 1024


@dataclass(frozen=True)
class Server:
    """Where to ask: the base URL, the route prefix that works, and the shared deadline."""

    base_url: str
    headers: Mapping[str, str]
    policy: EgressPolicy
    limits: Limits
    deadline_at: float
    prefix: str = "/api"

    def get(self, route: str, max_bytes: int | None = None) -> Response:
        """The answer of one route, within the deadline and at most `max_bytes` (or the cap)."""
        remaining = self.deadline_at - time.monotonic()
        if remaining <= 0:
            raise errors.Timeout()
        limits = replace(self.limits, deadline=remaining)
        if max_bytes is not None:
            limits = replace(limits, max_bytes=min(max_bytes, limits.max_bytes))
        url = f"{self.base_url.rstrip('/')}{self.prefix}{route}"
        return get(url, headers=self.headers, policy=self.policy, limits=limits)


def fetch_stats(
    base_url: str, headers: Mapping[str, str], policy: EgressPolicy, limits: Limits
) -> Fetched:
    """Stats of one ComfyUI server within one total deadline; raises an UpstreamError."""
    started = time.monotonic()
    server = Server(base_url, headers, policy, limits, started + limits.deadline)
    server, system_stats = _system_stats(server)
    system = parse_system_stats(system_stats)
    extensions = _required(server, "/extensions")
    queue = _optional(server, "/queue", QUEUE_MAX_BYTES)
    stats = replace(
        system,
        **_dev_mode(server),
        **extension_fields(extensions),
        **_queue_fields(queue),
    )
    latency_ms = int((time.monotonic() - started) * 1000)
    return Fetched(stats, latency_ms, parse_argv(system_stats))


def _system_stats(server: Server) -> tuple[Server, Any]:
    # Servers older than mid-2024 only have the unprefixed routes.
    response = server.get("/system_stats")
    if response.status == 404:
        server = replace(server, prefix="")
        response = server.get("/system_stats")
        if response.status == 404:
            raise errors.NotFound(
                "No ComfyUI server answers at this address: check the runner's base URL."
            )
    return server, json_body(checked(response))


def _required(server: Server, route: str) -> Any:
    return json_body(checked(server.get(route)))


def _optional(server: Server, route: str, max_bytes: int) -> Any:
    """The JSON of a route some servers lack or forbid; None when it is not there or unreadable."""
    return _answer(server, route, max_bytes)[1]


def _answer(server: Server, route: str, max_bytes: int) -> tuple[int | None, Any]:
    """The status and JSON of an optional route; (None, None) when it is unreadable."""
    try:
        response = server.get(route, max_bytes)
        return response.status, json_body(response) if response.status == 200 else None
    except errors.BadResponse:
        return None, None


def _dev_mode(server: Server) -> dict[str, Any]:
    """The dev mode setting, and why it reads so when the server did not say.

    A setting never saved answers null (ComfyUI's default: off); a --multi-user server
    answers 401 without a `comfy-user` header, which the runner's custom headers can send.
    """
    status, doc = _answer(server, "/settings/Comfy.DevMode", SETTING_MAX_BYTES)
    if status == 401:
        return {"dev_mode": None, "dev_mode_note": DEV_MODE_NEEDS_USER}
    if status == 200 and doc is None:
        return {"dev_mode": False, "dev_mode_note": DEV_MODE_DEFAULT}
    return {"dev_mode": parse_dev_mode(doc)}


def _queue_fields(queue: Any) -> dict[str, int | None]:
    if queue is None:
        return {"queue_running": None, "queue_pending": None}
    try:
        running, pending = parse_queue(queue)
    except errors.BadResponse:
        return {"queue_running": None, "queue_pending": None}
    return {"queue_running": running, "queue_pending": pending}


def checked(response: Response) -> Response:
    """The response if it is a 200; otherwise the UpstreamError its status stands for."""
    status = response.status
    if status == 200:
        return response
    if status in (401, 403):
        raise errors.Unauthorized(
            f"The server refused access (HTTP {status}): check the runner's custom headers.",
            status=status,
        )
    if status == 404:
        raise errors.NotFound(
            "The ComfyUI server lacks a route comfyweb needs: check the runner's base URL.",
            status=status,
        )
    if status == 429:
        raise errors.RateLimited("The server is rate limiting requests.", status=status)
    raise unexpected_status(response, SERVER)
