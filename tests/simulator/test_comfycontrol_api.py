"""The simulated ComfyControl API: lists, auth and tiers, stats, the rate limit."""

from __future__ import annotations

import pytest
import requests

from simulator import Fleet, SimulatorServer
from tests.simulator import (
    FakeClock,
    a_runner,
    cc,
    stats_path,
)

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
