"""Helpers of the simulator's tests: calls to its three APIs and picks from its fleet.

Fixtures (clock, fleet, sim, http) are in conftest.py.
"""

from __future__ import annotations

from typing import Any

import requests

from simulator import Fleet, SimRunner, SimulatorServer

MIB = 1024 * 1024
PRO_TOKEN = "cfc_sim_pro"
COMFYUI_ROUTES = ("/system_stats", "/extensions", "/queue", "/settings/Comfy.DevMode")


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def cc(
    sim: SimulatorServer,
    http: requests.Session,
    path: str,
    token: str | None = PRO_TOKEN,
    **params: Any,
) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return http.get(f"{sim.base_url}{path}", headers=headers, params=params, timeout=5)


def direct(
    sim: SimulatorServer,
    http: requests.Session,
    runner: SimRunner,
    route: str = "/api/system_stats",
    **kwargs: Any,
) -> requests.Response:
    kwargs.setdefault("headers", runner.headers)
    kwargs.setdefault("timeout", 5)
    return http.get(f"{sim.direct_base_url(runner.id)}{route}", **kwargs)


def control(
    sim: SimulatorServer, http: requests.Session, path: str, **body: Any
) -> requests.Response:
    return http.post(f"{sim.base_url}/_sim/{path}", json=body, timeout=5)


def a_runner(fleet: Fleet, kind: str, **attributes: Any) -> SimRunner:
    return next(
        runner
        for runner in fleet.runners.values()
        if runner.kind == kind and all(getattr(runner, k) == v for k, v in attributes.items())
    )


def plain_direct(fleet: Fleet) -> SimRunner:
    return a_runner(fleet, "direct", legacy=False, headers={})


def stats_path(runner: SimRunner) -> str:
    return f"/v1/{'managed-runner' if runner.kind == 'managed' else 'runner'}/{runner.id}/stats"
