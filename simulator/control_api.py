"""The simulator's own API under /_sim/, for benchmarks and demos in other processes.

    GET  /_sim/fleet                      runners (ids, kinds, base URLs, headers) and tokens
    GET  /_sim/stats[?window=10]          request counts, busiest /v1 window, 429s
    POST /_sim/reset-counters             forget requests, lift rate-limit lockouts
    POST /_sim/latency                    {"latency_ms": 100}: added to every call
    POST /_sim/comfycontrol/mode          {"mode": "status:503"}: every /v1 call
    POST /_sim/runners/<id>/mode          {"mode": "hang"}
    POST /_sim/runners/<id>/latency       {"latency_ms": 250}
    POST /_sim/runners/<id>/values        {"ram_free": 123, "vram_free": {"0": 456}}; null unpins

Parameters come as a JSON object body or in the query string. Errors: {"error": "..."}.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from typing import Any

from simulator.exchange import Outcome, Request, Routed
from simulator.fleet import Fleet

RUNNER_PATH = re.compile(r"^/_sim/runners/([^/]+)/(mode|latency|values)$")


class BadInput(Exception):
    pass


def route(fleet: Fleet, request: Request) -> Routed:
    try:
        return Routed(_answer(fleet, request))
    except BadInput as problem:
        return Routed(_error(400, str(problem)))
    except KeyError as missing:
        return Routed(_error(404, str(missing.args[0])))


def _answer(fleet: Fleet, request: Request) -> Outcome:
    params = _params(request)
    reads: dict[str, Callable[[], Any]] = {
        "/_sim/fleet": lambda: fleet.describe(request.base_url),
        "/_sim/stats": lambda: fleet.stats(_number(params, "window", default=10.0)),
    }
    if request.path in reads:
        return Outcome.json(200, reads[request.path]()) if request.method == "GET" else _405()
    if request.method != "POST":
        return _405()
    match = RUNNER_PATH.match(request.path)
    if match:
        return _change_runner(fleet, request, match[1], match[2], params)
    return _change_fleet(fleet, request.path, params)


def _change_fleet(fleet: Fleet, path: str, params: dict[str, Any]) -> Outcome:
    if path == "/_sim/reset-counters":
        fleet.reset_counters()
    elif path == "/_sim/latency":
        _apply(fleet.set_latency, int(_number(params, "latency_ms")))
    elif path == "/_sim/comfycontrol/mode":
        _apply(fleet.set_comfycontrol_mode, _text(params, "mode"))
    else:
        return _error(404, "unknown control path")
    return Outcome.json(
        200, {"comfycontrol_mode": fleet.comfycontrol_mode, "latency_ms": fleet.latency_ms}
    )


def _change_runner(
    fleet: Fleet, request: Request, runner_id: str, what: str, params: dict[str, Any]
) -> Outcome:
    runner = fleet.runner(runner_id)
    if what == "mode":
        _apply(fleet.set_mode, runner_id, _text(params, "mode"))
    elif what == "latency":
        _apply(fleet.set_latency, int(_number(params, "latency_ms")), runner_id)
    else:
        _pin_values(fleet, runner_id, params)
    return Outcome.json(200, fleet.describe_runner(runner, request.base_url))


def _pin_values(fleet: Fleet, runner_id: str, params: dict[str, Any]) -> None:
    if "ram_free" in params:
        fleet.set_ram_free(runner_id, _bytes_or_none(params["ram_free"]))
    vram = params.get("vram_free", {})
    if not isinstance(vram, dict):
        raise BadInput('vram_free must be an object like {"0": 1073741824}')
    for index, value in vram.items():
        if not str(index).isdigit():
            raise BadInput("vram_free keys are device indexes")
        fleet.set_vram_free(runner_id, int(index), _bytes_or_none(value))


def _apply(setter: Callable[..., None], *args: Any) -> None:
    try:
        setter(*args)
    except ValueError as problem:
        raise BadInput(str(problem)) from None


def _params(request: Request) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.query)
    if request.body.strip():
        try:
            body = json.loads(request.body)
        except ValueError:
            raise BadInput("the body must be a JSON object") from None
        if not isinstance(body, dict):
            raise BadInput("the body must be a JSON object")
        params.update(body)
    return params


def _text(params: dict[str, Any], name: str) -> str:
    value = params.get(name)
    if not isinstance(value, str):
        raise BadInput(f"{name} is required, as a string")
    return value


def _number(params: dict[str, Any], name: str, default: float | None = None) -> float:
    try:
        number = float(params.get(name, default))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        number = math.nan
    if not math.isfinite(number):
        raise BadInput(f"{name} is required, as a number")
    return number


def _bytes_or_none(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadInput("byte counts must be integers or null")
    return value


def _error(status: int, message: str) -> Outcome:
    return Outcome.json(status, {"error": message})


def _405() -> Outcome:
    return _error(405, "method not allowed")
