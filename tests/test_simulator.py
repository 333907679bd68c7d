"""The simulated fleet, over real HTTP on loopback."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pytest
import requests

from runners.simulator import FLAP_PERIOD_S, HUGE_BODY_BYTES, Fleet, SimRunner, SimulatorServer

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


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def fleet(clock: FakeClock) -> Fleet:
    return Fleet.generate(managed=2, self_hosted=3, direct=4, seed=0, clock=clock)


@pytest.fixture
def sim(fleet: Fleet) -> Iterator[SimulatorServer]:
    with SimulatorServer(fleet) as server:
        yield server


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        session.trust_env = False
        yield session


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


# ComfyControl lists


def test_self_hosted_list_of_250_runners_takes_three_pages_of_100(http: requests.Session) -> None:
    fleet = Fleet.generate(managed=0, self_hosted=250, direct=0)
    with SimulatorServer(fleet) as sim:
        pages = [cc(sim, http, "/v1/runner", page=n, per_page=100).json() for n in (1, 2, 3)]

    assert [len(page["runners"]) for page in pages] == [100, 100, 50]
    assert {page["total"] for page in pages} == {250}
    assert len({r["id"] for page in pages for r in page["runners"]}) == 250


def test_list_clamps_per_page_to_100(http: requests.Session) -> None:
    with SimulatorServer(Fleet.generate(managed=0, self_hosted=150, direct=0)) as sim:
        body = cc(sim, http, "/v1/runner", per_page=500).json()

    assert len(body["runners"]) == 100


def test_list_shows_20_runners_per_page_by_default(http: requests.Session) -> None:
    with SimulatorServer(Fleet.generate(managed=25, self_hosted=0, direct=0)) as sim:
        body = cc(sim, http, "/v1/managed-runner").json()

    assert (len(body["runners"]), body["total"]) == (20, 25)


def test_list_page_past_the_end_is_empty_with_the_total(
    sim: SimulatorServer, http: requests.Session
) -> None:
    body = cc(sim, http, "/v1/runner", page=9).json()

    assert body == {"runners": [], "total": 3}


def test_list_rejects_page_zero_with_400(sim: SimulatorServer, http: requests.Session) -> None:
    response = cc(sim, http, "/v1/runner", page=0)

    assert response.status_code == 400
    assert response.json()["status"] == 400


def test_self_hosted_entries_carry_endpoint_and_headers_in_clear(
    sim: SimulatorServer, http: requests.Session
) -> None:
    entries = cc(sim, http, "/v1/runner").json()["runners"]

    with_headers = next(e for e in entries if e["headers"])
    assert with_headers["headers"] == {"Authorization": f"Bearer sim-secret-{with_headers['id']}"}
    assert with_headers["endpoint"] == sim.direct_base_url(with_headers["id"])
    assert set(with_headers) >= {
        "id",
        "user_id",
        "name",
        "status",
        "tags",
        "created_at",
        "updated_at",
    }


def test_managed_entries_have_the_documented_fields(
    sim: SimulatorServer, http: requests.Session
) -> None:
    entry = cc(sim, http, "/v1/managed-runner").json()["runners"][0]

    assert set(entry) == {"id", "name", "runner_type", "status", "tags", "created_at", "updated_at"}
    assert entry["runner_type"] in {"pro", "plus"}
    assert "managed" in entry["tags"]


# ComfyControl auth, tiers and errors


def test_missing_token_is_401_with_an_error_body(
    sim: SimulatorServer, http: requests.Session
) -> None:
    response = cc(sim, http, "/v1/runner", token=None)

    assert response.status_code == 401
    assert response.json() == {"status": 401, "message": "Missing token"}


def test_unknown_token_is_401_invalid_token(sim: SimulatorServer, http: requests.Session) -> None:
    response = cc(sim, http, "/v1/runner", token="cfc_nope")

    assert response.status_code == 401
    assert response.json() == {"status": 401, "message": "Invalid token"}


def test_expired_token_is_401(sim: SimulatorServer, http: requests.Session) -> None:
    response = cc(sim, http, "/v1/runner", token="cfc_sim_expired")

    assert response.json() == {"status": 401, "message": "Token expired"}


def test_free_tier_gets_403_for_managed_runner_stats(
    sim: SimulatorServer, http: requests.Session
) -> None:
    runner = a_runner(sim.fleet, "managed")

    response = cc(sim, http, stats_path(runner), token="cfc_sim_free")

    assert response.status_code == 403
    assert response.json() == {"status": 403, "message": "Managed runners require Pro or Plus tier"}


def test_free_tier_can_read_self_hosted_runners(
    sim: SimulatorServer, http: requests.Session
) -> None:
    runner = a_runner(sim.fleet, "self_hosted")

    response = cc(sim, http, stats_path(runner), token="cfc_sim_free")

    assert response.status_code == 200


def test_unknown_runner_is_404_with_the_documented_body(
    sim: SimulatorServer, http: requests.Session
) -> None:
    response = cc(sim, http, "/v1/runner/no-such-runner/stats")

    assert response.status_code == 404
    assert response.json() == {"status": 404, "message": "requested entity not found"}


def test_managed_runner_is_404_on_the_self_hosted_path(
    sim: SimulatorServer, http: requests.Session
) -> None:
    runner = a_runner(sim.fleet, "managed")

    response = cc(sim, http, f"/v1/runner/{runner.id}/stats")

    assert response.status_code == 404


# ComfyControl stats


@pytest.mark.parametrize("kind", ["managed", "self_hosted"])
def test_comfycontrol_stats_have_the_documented_shape(
    sim: SimulatorServer, http: requests.Session, kind: str
) -> None:
    runner = a_runner(sim.fleet, kind)

    body = cc(sim, http, stats_path(runner)).json()

    assert set(body) == {"system", "devices", "dev_mode", "extensions"}
    assert set(body["system"]) == {
        "os",
        "ram_free",
        "ram_total",
        "comfyui_version",
        "python_version",
    }
    assert all(set(d) == {"name", "type", "vram_total", "vram_free"} for d in body["devices"])
    assert isinstance(body["dev_mode"], bool)
    assert "/extensions/core/groupNode.js" in body["extensions"]


def test_multi_gpu_runner_on_a_2026_release_lists_every_gpu(
    sim: SimulatorServer, http: requests.Session
) -> None:
    runner = next(r for r in sim.fleet.of_kind("managed") if r.machine.label == "H100 80GB x8")

    names = [d["name"] for d in cc(sim, http, stats_path(runner)).json()["devices"]]

    assert names == [f"cuda:{i} NVIDIA H100 80GB HBM3 : cudaMallocAsync" for i in range(8)]


def test_multi_gpu_runner_on_an_older_release_lists_one_device(http: requests.Session) -> None:
    fleet = Fleet.generate(managed=0, self_hosted=11, direct=0)
    runner = next(r for r in fleet.runners.values() if r.machine.label == "A100 40GB x2")
    with SimulatorServer(fleet) as sim:
        devices = cc(sim, http, stats_path(runner)).json()["devices"]

    assert [d["name"] for d in devices] == ["cuda:0 NVIDIA A100-PCIE-40GB : cudaMallocAsync"]


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


def test_generated_fleet_varies_hardware_os_and_release(http: requests.Session) -> None:
    fleet = Fleet.generate(managed=0, self_hosted=11, direct=8, seed=5)
    with SimulatorServer(fleet) as sim:
        stats = [direct(sim, http, r, "/system_stats").json() for r in fleet.runners.values()]

    models = {d["name"].split(" : ")[0].split(" ", 1)[-1] for s in stats for d in s["devices"]}
    assert {s["system"]["os"] for s in stats} == {"posix", "nt", "linux", "win32", "darwin"}
    assert {s["system"]["comfyui_version"] for s in stats} == {
        "0.3.64", "0.3.77", "0.38.1", "v0.2.2-1-gabc123", "unknown"
    }  # fmt: skip
    assert {"NVIDIA H100 80GB HBM3", "NVIDIA A100-SXM4-80GB", "NVIDIA L4", "cpu", "mps"} <= models


def test_same_seed_generates_the_same_fleet() -> None:
    first, second = Fleet.generate(seed=7), Fleet.generate(seed=7)

    assert first.runners == second.runners


def test_different_seeds_generate_different_fleets() -> None:
    assert Fleet.generate(seed=1).runners.keys() != Fleet.generate(seed=2).runners.keys()


# Values over time


def test_vram_and_ram_change_as_time_passes(
    sim: SimulatorServer, http: requests.Session, clock: FakeClock
) -> None:
    runner = plain_direct(sim.fleet)
    before = direct(sim, http, runner).json()
    clock.advance(7)
    after = direct(sim, http, runner).json()

    assert before["devices"][0]["vram_free"] != after["devices"][0]["vram_free"]
    assert before["system"]["ram_free"] != after["system"]["ram_free"]


def test_values_are_the_same_at_the_same_moment(
    sim: SimulatorServer, http: requests.Session
) -> None:
    runner = plain_direct(sim.fleet)

    assert direct(sim, http, runner).json() == direct(sim, http, runner).json()


def test_pinned_vram_free_is_served(sim: SimulatorServer, http: requests.Session) -> None:
    runner = plain_direct(sim.fleet)
    sim.fleet.set_vram_free(runner.id, 0, 12_345 * MIB)

    device = direct(sim, http, runner).json()["devices"][0]

    assert device["vram_free"] == 12_345 * MIB
    assert device["torch_vram_free"] <= device["torch_vram_total"] <= device["vram_total"]


def test_pinned_ram_free_reaches_comfycontrol_stats(
    sim: SimulatorServer, http: requests.Session
) -> None:
    runner = a_runner(sim.fleet, "managed")
    sim.fleet.set_ram_free(runner.id, 42 * MIB)

    assert cc(sim, http, stats_path(runner)).json()["system"]["ram_free"] == 42 * MIB


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


# Rate limit


def test_41st_request_in_10_seconds_gets_429(sim: SimulatorServer, http: requests.Session) -> None:
    statuses = [cc(sim, http, "/v1/runner").status_code for _ in range(41)]

    assert statuses == [200] * 40 + [429]


def test_lockout_answers_429_to_every_call_for_10_seconds(
    sim: SimulatorServer, http: requests.Session, clock: FakeClock
) -> None:
    for _ in range(41):
        cc(sim, http, "/v1/runner")
    clock.advance(9.9)

    response = cc(sim, http, "/v1/runner/anything/stats", token=None)

    assert response.status_code == 429
    assert response.json()["status"] == 429


def test_lockout_ends_after_10_seconds(
    sim: SimulatorServer, http: requests.Session, clock: FakeClock
) -> None:
    for _ in range(41):
        cc(sim, http, "/v1/runner")
    clock.advance(10)

    assert cc(sim, http, "/v1/runner").status_code == 200


def test_requests_spread_over_time_stay_under_the_limit(
    sim: SimulatorServer, http: requests.Session, clock: FakeClock
) -> None:
    statuses = set()
    for _ in range(120):
        statuses.add(cc(sim, http, "/v1/runner").status_code)
        clock.advance(0.25)

    assert statuses == {200}


def test_window_max_counts_the_busiest_10_seconds(
    sim: SimulatorServer, http: requests.Session, clock: FakeClock
) -> None:
    for _ in range(30):
        cc(sim, http, "/v1/runner")
    clock.advance(10)
    for _ in range(35):
        cc(sim, http, "/v1/runner")

    assert sim.fleet.comfycontrol_window_max() == 35
    assert sim.fleet.count_429() == 0


def test_429s_are_counted_and_included_in_the_window(
    sim: SimulatorServer, http: requests.Session
) -> None:
    for _ in range(43):
        cc(sim, http, "/v1/runner")

    assert (sim.fleet.count_429(), sim.fleet.comfycontrol_window_max()) == (3, 43)


def test_global_503_mode_answers_every_comfycontrol_call(
    sim: SimulatorServer, http: requests.Session
) -> None:
    sim.fleet.set_comfycontrol_mode("status:503")

    response = cc(sim, http, "/v1/runner")

    assert response.status_code == 503
    assert response.json() == {"status": 503, "message": "Service unavailable"}


def test_requests_are_counted_per_runner_whatever_the_answer(
    sim: SimulatorServer, http: requests.Session
) -> None:
    managed, runner = a_runner(sim.fleet, "managed"), plain_direct(sim.fleet)
    cc(sim, http, stats_path(managed), token="cfc_sim_free")
    direct(sim, http, runner)
    direct(sim, http, runner, "/nothing")

    assert (sim.fleet.requests_for(managed.id), sim.fleet.requests_for(runner.id)) == (1, 2)


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


# HTTP


def test_every_answer_declares_its_length_for_keep_alive(
    sim: SimulatorServer, http: requests.Session
) -> None:
    responses = [
        cc(sim, http, "/v1/runner"),
        cc(sim, http, "/v1/runner", token=None),
        direct(sim, http, plain_direct(sim.fleet), "/api/nothing"),
        http.get(f"{sim.base_url}/elsewhere", timeout=5),
    ]

    assert all(r.raw.version == 11 and "Content-Length" in r.headers for r in responses)
    assert all(r.headers.get("Connection") != "close" for r in responses)


def test_simulate_command_serves_until_sigterm() -> None:
    root = Path(__file__).resolve().parent.parent
    command = [
        sys.executable,
        "manage.py",
        "simulate",
        "--port",
        "0",
        "--direct",
        "2",
        "--seed",
        "1",
    ]
    with subprocess.Popen(command, cwd=root, stdout=subprocess.PIPE, text=True) as process:
        assert process.stdout is not None
        banner = read_until(process.stdout, "Press Ctrl+C")
        url = re.search(r"ComfyControl API\s+(\S+)", banner)
        described = requests.get(f"{url[1] if url else ''}/_sim/fleet", timeout=5).json()
        process.send_signal(signal.SIGTERM)

        assert process.wait(timeout=10) == 0
    assert [r["id"] for r in described["runners"] if r["kind"] == "direct"] == [
        "direct-1",
        "direct-2",
    ]


def read_until(stream: IO[str], marker: str) -> str:
    lines = []
    for line in stream:
        lines.append(line)
        if line.startswith(marker):
            break
    return "".join(lines)
