"""Failure modes a runner (or ComfyControl) can be switched into."""

from __future__ import annotations

import json
import threading
import time

import pytest
import requests

from simulator import FLAP_PERIOD_S, HUGE_BODY_BYTES, Fleet, SimulatorServer
from tests.simulator import (
    MIB,
    FakeClock,
    a_runner,
    cc,
    direct,
    plain_direct,
    stats_path,
)

# Failure modes


def test_status_mode_on_a_comfycontrol_runner_answers_a_documented_error(
    sim: SimulatorServer, http: requests.Session
) -> None:
    runner = a_runner(sim.fleet, "managed")
    sim.fleet.set_mode(runner.id, "status:500")

    response = cc(sim, http, stats_path(runner))

    assert response.status_code == 500
    assert response.json() == {"status": 500, "message": "Failed to get runner stats"}


def test_status_mode_on_a_direct_runner_answers_that_status_in_text(
    sim: SimulatorServer, http: requests.Session
) -> None:
    runner = plain_direct(sim.fleet)
    sim.fleet.set_mode(runner.id, "status:502")

    response = direct(sim, http, runner)

    assert (response.status_code, response.text) == (502, "502 Bad Gateway\n")


def test_hang_mode_never_answers(sim: SimulatorServer, http: requests.Session) -> None:
    runner = plain_direct(sim.fleet)
    sim.fleet.set_mode(runner.id, "hang")

    with pytest.raises(requests.ReadTimeout):
        direct(sim, http, runner, timeout=0.3)


def test_stop_ends_a_hanging_answer(sim: SimulatorServer) -> None:
    runner = plain_direct(sim.fleet)
    sim.fleet.set_mode(runner.id, "hang")
    outcome: list[object] = []

    def ask() -> None:
        try:
            outcome.append(
                requests.get(f"{sim.direct_base_url(runner.id)}/system_stats", timeout=30)
            )
        except requests.RequestException as problem:
            outcome.append(problem)

    client = threading.Thread(target=ask)
    client.start()
    while sim.fleet.requests_for(runner.id) == 0:
        time.sleep(0.01)
    sim.stop()
    client.join(timeout=5)

    assert isinstance(outcome[0], requests.ConnectionError)


def test_drip_mode_sends_headers_then_trickles_the_body(
    sim: SimulatorServer, http: requests.Session
) -> None:
    runner = plain_direct(sim.fleet)
    sim.fleet.set_mode(runner.id, "drip")

    response = direct(sim, http, runner, stream=True, timeout=0.5)

    assert response.status_code == 200
    assert int(response.headers["Content-Length"]) > 100
    with pytest.raises(requests.ConnectionError):
        response.content  # noqa: B018


def test_garbage_mode_answers_200_with_bytes_that_are_not_json(
    sim: SimulatorServer, http: requests.Session
) -> None:
    runner = plain_direct(sim.fleet)
    sim.fleet.set_mode(runner.id, "garbage")

    response = direct(sim, http, runner)

    assert response.status_code == 200
    with pytest.raises(ValueError):
        json.loads(response.content)


@pytest.mark.parametrize("kind", ["managed", "direct"])
def test_wrong_shape_mode_answers_json_that_is_not_stats(
    sim: SimulatorServer, http: requests.Session, kind: str
) -> None:
    runner = a_runner(sim.fleet, kind)
    sim.fleet.set_mode(runner.id, "wrong_shape")

    if kind == "managed":
        body = cc(sim, http, stats_path(runner)).json()
    else:
        body = direct(sim, http, runner, "/system_stats").json()

    system = body.get("system") if isinstance(body, dict) else None
    assert not (isinstance(system, dict) and isinstance(system.get("ram_total"), int))


def test_huge_mode_declares_100_mb_and_streams_it(
    sim: SimulatorServer, http: requests.Session
) -> None:
    runner = plain_direct(sim.fleet)
    sim.fleet.set_mode(runner.id, "huge")

    with direct(sim, http, runner, stream=True) as response:
        first = next(response.iter_content(MIB))

    assert int(response.headers["Content-Length"]) == HUGE_BODY_BYTES == 100 * MIB
    assert first.startswith(b'{"system"')


def test_huge_chunked_mode_streams_without_a_length(
    sim: SimulatorServer, http: requests.Session
) -> None:
    runner = plain_direct(sim.fleet)
    sim.fleet.set_mode(runner.id, "huge_chunked")

    with direct(sim, http, runner, stream=True) as response:
        next(response.iter_content(MIB))

    assert "Content-Length" not in response.headers
    assert response.headers["Transfer-Encoding"] == "chunked"


def test_hostile_mode_puts_markup_and_absurd_numbers_in_stats(
    sim: SimulatorServer, http: requests.Session
) -> None:
    runner = plain_direct(sim.fleet)
    sim.fleet.set_mode(runner.id, "hostile")

    body = direct(sim, http, runner).json()

    assert body["devices"][0]["name"] == "<script>alert(1)</script>"
    assert body["system"]["ram_total"] == 10**30
    assert any("\u202e" in d["name"] for d in body["devices"])
    assert any(len(d["name"]) == 5000 for d in body["devices"])


def test_hostile_mode_lists_10000_extensions(sim: SimulatorServer, http: requests.Session) -> None:
    runner = a_runner(sim.fleet, "managed")
    sim.fleet.set_mode(runner.id, "hostile")

    extensions = cc(sim, http, stats_path(runner)).json()["extensions"]

    assert len(extensions) == 10_000
    assert any("<script>" in path for path in extensions)


def test_flap_mode_alternates_ok_and_500(
    sim: SimulatorServer, http: requests.Session, clock: FakeClock
) -> None:
    runner = plain_direct(sim.fleet)
    sim.fleet.set_mode(runner.id, "flap")
    statuses = []
    for _ in range(4):
        statuses.append(direct(sim, http, runner).status_code)
        clock.advance(FLAP_PERIOD_S)

    assert statuses == [200, 500, 200, 500]


def test_runner_latency_delays_its_answers(sim: SimulatorServer, http: requests.Session) -> None:
    runner = plain_direct(sim.fleet)
    sim.fleet.set_latency(400, runner.id)

    with pytest.raises(requests.ReadTimeout):
        direct(sim, http, runner, timeout=0.1)


def test_unknown_mode_is_refused(fleet: Fleet) -> None:
    with pytest.raises(ValueError, match="hang"):
        fleet.set_mode("direct-1", "explode")
