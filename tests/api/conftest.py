import pytest

from runners.api import keys
from runners.models import Runner
from runners.polling import refresh
from tests.factories import make_member, make_runner, make_team


@pytest.fixture
def team(db):
    return make_team("Studio", slug="studio")


@pytest.fixture
def api_key(team):
    """A key to the team "Studio", as its owner made it."""
    owner = make_member(team, role="owner")
    _, key = keys.create_api_key(team, owner, "script")
    return key


@pytest.fixture
def api(client, api_key):
    """GET under /api/v1/ with the team's key."""

    def get(path: str, key: str | None = api_key, **params):
        headers = {} if key is None else {"HTTP_AUTHORIZATION": f"Bearer {key}"}
        return client.get(f"/api/v1/{path}", params, **headers)

    return get


def fetched_runner(team, simulator, number: int, **fields) -> Runner:
    """A bookmark of the simulator's direct runner `number`, fetched once."""
    sim_runner = simulator.fleet.of_kind("direct")[number]
    runner = make_runner(
        team,
        base_url=simulator.direct_base_url(sim_runner.id),
        headers=dict(sim_runner.headers),
        **fields,
    )
    refresh(runner)
    return runner
