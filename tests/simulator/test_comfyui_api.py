"""Simulated ComfyUI servers reached directly (and self-hosted runners at their endpoint)."""

from __future__ import annotations

from collections import Counter

import pytest
import requests

from simulator import Fleet, SimulatorServer
from tests.simulator import (
    COMFYUI_ROUTES,
    FakeClock,
    a_runner,
    cc,
    direct,
    plain_direct,
)

# Direct ComfyUI runners


def test_direct_system_stats_have_every_comfyui_field(
    sim: SimulatorServer, http: requests.Session
) -> None:
    body = direct(sim, http, plain_direct(sim.fleet)).json()

    assert {
        "os",
        "ram_total",
        "ram_free",
        "comfyui_version",
        "python_version",
        "pytorch_version",
    } <= set(body["system"])
    assert {"embedded_python", "argv"} <= set(body["system"])
    device_fields = {
        "name",
        "type",
        "index",
        "vram_total",
        "vram_free",
        "torch_vram_total",
        "torch_vram_free",
    }
    assert all(set(d) == device_fields for d in body["devices"])


@pytest.mark.parametrize("route", COMFYUI_ROUTES)
@pytest.mark.parametrize("prefix", ["", "/api"])
def test_direct_runner_serves_every_route_with_and_without_api(
    sim: SimulatorServer, http: requests.Session, prefix: str, route: str
) -> None:
    response = direct(sim, http, plain_direct(sim.fleet), prefix + route)

    assert response.status_code == 200
    response.json()


def test_direct_runner_answers_unknown_paths_with_an_empty_404(
    sim: SimulatorServer, http: requests.Session
) -> None:
    response = direct(sim, http, plain_direct(sim.fleet), "/api/nothing-here")

    assert (response.status_code, response.content) == (404, b"")


def test_legacy_runner_answers_404_under_api(sim: SimulatorServer, http: requests.Session) -> None:
    response = direct(sim, http, a_runner(sim.fleet, "direct", legacy=True), "/api/system_stats")

    assert (response.status_code, response.content) == (404, b"")


def test_legacy_runner_serves_the_unprefixed_routes(
    sim: SimulatorServer, http: requests.Session
) -> None:
    response = direct(sim, http, a_runner(sim.fleet, "direct", legacy=True), "/system_stats")

    assert response.json()["system"]["comfyui_version"] == "unknown"


def test_proxied_runner_answers_401_without_its_header(
    sim: SimulatorServer, http: requests.Session
) -> None:
    runner = next(r for r in sim.fleet.of_kind("direct") if r.headers)

    response = direct(sim, http, runner, headers={})

    assert response.status_code == 401


def test_proxied_runner_answers_403_with_a_wrong_header_value(
    sim: SimulatorServer, http: requests.Session
) -> None:
    runner = next(r for r in sim.fleet.of_kind("direct") if r.headers)
    wrong = {name: "wrong" for name in runner.headers}

    response = direct(sim, http, runner, headers=wrong)

    assert response.status_code == 403


def test_proxied_runner_answers_with_its_header(
    sim: SimulatorServer, http: requests.Session
) -> None:
    runner = next(r for r in sim.fleet.of_kind("direct") if r.headers)

    assert direct(sim, http, runner).status_code == 200


def test_self_hosted_runner_is_reachable_at_its_listed_endpoint(
    sim: SimulatorServer, http: requests.Session
) -> None:
    entry = next(e for e in cc(sim, http, "/v1/runner").json()["runners"] if e["headers"])

    response = http.get(
        f"{entry['endpoint']}/api/system_stats", headers=entry["headers"], timeout=5
    )

    assert response.status_code == 200


def test_managed_runners_have_no_direct_endpoint(
    sim: SimulatorServer, http: requests.Session
) -> None:
    assert direct(sim, http, a_runner(sim.fleet, "managed")).status_code == 404


def test_queue_items_are_comfyui_lists(clock: FakeClock, http: requests.Session) -> None:
    fleet = Fleet.generate(managed=0, self_hosted=0, direct=1, clock=clock)
    runner = fleet.runners["direct-1"]
    runner.queue_depth_max, runner.load = 30, 0.9
    with SimulatorServer(fleet) as sim:
        queues = []
        for _ in range(12):
            queues.append(direct(sim, http, runner, "/api/queue").json())
            clock.advance(30)

    depths = [len(q["queue_running"]) + len(q["queue_pending"]) for q in queues]
    deepest = queues[depths.index(max(depths))]
    number, prompt_id, prompt, extra, outputs = deepest["queue_running"][0]
    assert isinstance(number, int) and isinstance(prompt_id, str) and "class_type" in prompt["3"]
    assert (extra.keys(), outputs) == ({"client_id"}, ["9"])
    assert all(len(q["queue_running"]) <= 1 for q in queues)
    assert len(set(depths)) > 1


def test_dev_mode_setting_is_null_true_or_false(
    sim: SimulatorServer, http: requests.Session
) -> None:
    values = [
        direct(sim, http, r, "/settings/Comfy.DevMode").json() for r in sim.fleet.of_kind("direct")
    ]

    assert set(values) <= {None, True, False}


def test_extensions_list_core_files_and_several_files_per_pack(
    sim: SimulatorServer, http: requests.Session
) -> None:
    fleet = Fleet.generate(managed=0, self_hosted=0, direct=12, seed=3)
    with SimulatorServer(fleet) as sim:
        lists = [direct(sim, http, r, "/extensions").json() for r in fleet.of_kind("direct")]

    files_per_pack = Counter(path.split("/")[2] for paths in lists for path in paths)
    assert all(paths[0].startswith("/extensions/core/") for paths in lists)
    assert {"core", "ComfyUI-Manager", "rgthree-comfy", "ComfyUI-KJNodes"} <= set(files_per_pack)
    assert min(files_per_pack.values()) >= 2


def test_argv_of_some_runners_carries_a_fake_secret(
    sim: SimulatorServer, http: requests.Session
) -> None:
    argvs = [
        direct(sim, http, r, "/system_stats").json()["system"]["argv"]
        for r in sim.fleet.of_kind("direct")
    ]

    assert any("sim-argv-secret" in argv for argv in argvs)
    assert any("sim-argv-secret" not in argv for argv in argvs)


def test_a_multi_user_server_answers_401_on_settings_without_a_comfy_user_header(
    sim: SimulatorServer, http: requests.Session
) -> None:
    runner = plain_direct(sim.fleet)
    runner.multi_user = True

    anonymous = direct(sim, http, runner, "/api/settings/Comfy.DevMode")
    named = direct(sim, http, runner, "/api/settings/Comfy.DevMode", headers={"comfy-user": "a"})

    assert (anonymous.status_code, named.status_code) == (401, 200)
    assert direct(sim, http, runner).status_code == 200
