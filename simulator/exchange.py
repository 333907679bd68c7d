"""What the HTTP layer hands the API modules, and what they hand back: plain data, no sockets."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]  # names in lower case
    client_ip: str
    base_url: str
    body: bytes = b""

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass(frozen=True)
class Outcome:
    status: int
    body: bytes = b""
    content_type: str = "application/json"

    @classmethod
    def json(cls, status: int, data: Any) -> Outcome:
        return cls(status, json.dumps(data).encode())

    @classmethod
    def text(cls, status: int, text: str) -> Outcome:
        return cls(status, text.encode(), "text/plain; charset=utf-8")


@dataclass(frozen=True)
class Routed:
    """An answer before failure modes and latency are applied to it."""

    outcome: Outcome
    api: str | None = None  # "comfycontrol" or "comfyui" is counted; None (control API) is not
    runner_id: str | None = None
    mode: str = "ok"  # already resolved: never "flap"
    latency_ms: int = 0
    error: Callable[[int], Outcome] = field(default=lambda status: Outcome(status))


def reason(status: int) -> str:
    """The standard phrase for a status code, or "Error" for codes HTTP does not name."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
