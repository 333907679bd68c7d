import pytest

from tests.factories import make_member, make_team


@pytest.fixture
def member(client, runner):
    """The test client, logged in as a member of the runner's team."""
    client.force_login(make_member(runner.team))
    return client


@pytest.fixture
def team():
    return make_team("Studio")


@pytest.fixture
def member_client(client, team):
    """The test client, logged in as a member of the team "Studio"."""
    client.force_login(make_member(team))
    return client
