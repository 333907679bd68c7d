"""The generated fleet: variety, seeds, values over time and request counts."""

from __future__ import annotations

import requests

from simulator import Fleet, SimulatorServer
from tests.simulator import (
    MIB,
    FakeClock,
    a_runner,
    cc,
    direct,
    plain_direct,
    stats_path,
)


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


def test_requests_are_counted_per_runner_whatever_the_answer(
    sim: SimulatorServer, http: requests.Session
) -> None:
    managed, runner = a_runner(sim.fleet, "managed"), plain_direct(sim.fleet)
    cc(sim, http, stats_path(managed), token="cfc_sim_free")
    direct(sim, http, runner)
    direct(sim, http, runner, "/nothing")

    assert (sim.fleet.requests_for(managed.id), sim.fleet.requests_for(runner.id)) == (1, 2)
