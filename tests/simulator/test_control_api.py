"""The /_sim/ control API that steers a running simulator."""

from __future__ import annotations

import pytest
import requests

from simulator import SimulatorServer
from tests.simulator import (
    MIB,
    cc,
    control,
    direct,
    plain_direct,
)

# Control API


def test_control_api_switches_a_runner_mode(sim: SimulatorServer, http: requests.Session) -> None:
    runner = plain_direct(sim.fleet)

    answer = control(sim, http, f"runners/{runner.id}/mode", mode="status:504")

    assert answer.json()["mode"] == "status:504"
    assert direct(sim, http, runner).status_code == 504


def test_control_api_takes_parameters_in_the_query_string(
    sim: SimulatorServer, http: requests.Session
) -> None:
    runner = plain_direct(sim.fleet)

    http.post(f"{sim.base_url}/_sim/runners/{runner.id}/mode?mode=garbage", timeout=5)

    assert runner.mode == "garbage"


def test_control_api_refuses_an_unknown_mode_with_400(
    sim: SimulatorServer, http: requests.Session
) -> None:
    answer = control(sim, http, "runners/direct-1/mode", mode="explode")

    assert answer.status_code == 400
    assert "status:<200-599>" in answer.json()["error"]


def test_control_api_answers_404_for_an_unknown_runner(
    sim: SimulatorServer, http: requests.Session
) -> None:
    assert control(sim, http, "runners/nobody/mode", mode="ok").status_code == 404


def test_control_api_sets_the_global_comfycontrol_mode(
    sim: SimulatorServer, http: requests.Session
) -> None:
    control(sim, http, "comfycontrol/mode", mode="status:503")

    assert cc(sim, http, "/v1/managed-runner").status_code == 503


def test_control_api_sets_latency_for_every_call(
    sim: SimulatorServer, http: requests.Session
) -> None:
    control(sim, http, "latency", latency_ms=400)

    with pytest.raises(requests.ReadTimeout):
        direct(sim, http, plain_direct(sim.fleet), timeout=0.1)


def test_control_api_pins_values(sim: SimulatorServer, http: requests.Session) -> None:
    runner = plain_direct(sim.fleet)

    control(sim, http, f"runners/{runner.id}/values", ram_free=7 * MIB, vram_free={"0": 3 * MIB})

    body = direct(sim, http, runner).json()
    assert (body["system"]["ram_free"], body["devices"][0]["vram_free"]) == (7 * MIB, 3 * MIB)


def test_control_api_reports_request_counts(sim: SimulatorServer, http: requests.Session) -> None:
    runner = plain_direct(sim.fleet)
    direct(sim, http, runner)
    for _ in range(41):
        cc(sim, http, "/v1/runner")

    stats = http.get(f"{sim.base_url}/_sim/stats", timeout=5).json()

    assert stats["requests"] == {"total": 42, "comfycontrol": 41, "comfyui": 1}
    assert stats["per_runner"] == {runner.id: 1}
    assert (stats["comfycontrol_window_max"], stats["comfycontrol_429"]) == (41, 1)


def test_control_api_reset_forgets_requests_and_lifts_the_lockout(
    sim: SimulatorServer, http: requests.Session
) -> None:
    for _ in range(41):
        cc(sim, http, "/v1/runner")

    control(sim, http, "reset-counters")

    assert sim.fleet.comfycontrol_window_max() == 0
    assert cc(sim, http, "/v1/runner").status_code == 200


def test_control_api_describes_the_fleet_for_seeding_bookmarks(
    sim: SimulatorServer, http: requests.Session
) -> None:
    described = http.get(f"{sim.base_url}/_sim/fleet", timeout=5).json()

    runners = {r["id"]: r for r in described["runners"]}
    proxied = next(r for r in sim.fleet.of_kind("direct") if r.headers)
    assert described["comfycontrol_url"] == sim.base_url
    assert runners[proxied.id]["base_url"] == sim.direct_base_url(proxied.id)
    assert runners[proxied.id]["headers"] == proxied.headers
    assert {"token": "cfc_sim_free", "tier": "free", "expired": False} in described["tokens"]
