"""A small fleet on a fake clock, served on a free loopback port, and a session to call it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from simulator import Fleet, SimulatorServer
from tests.simulator import FakeClock


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
