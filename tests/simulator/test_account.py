"""The simulated ComfyControl `/v1/user`: the token's account and tier."""

from __future__ import annotations

import requests

from simulator import Fleet, SimulatorServer
from tests.simulator import cc


def test_the_account_tells_the_token_tier(http: requests.Session) -> None:
    with SimulatorServer(Fleet.generate(managed=0, self_hosted=0, direct=0)) as sim:
        body = cc(sim, http, "/v1/user", token="cfc_sim_plus").json()

    assert body["tier"] == "plus" and body["id"] == sim.fleet.user_id


def test_an_expired_token_is_refused(http: requests.Session) -> None:
    with SimulatorServer(Fleet.generate(managed=0, self_hosted=0, direct=0)) as sim:
        response = cc(sim, http, "/v1/user", token="cfc_sim_expired")

    assert response.status_code == 401
