import pytest

from tests.factories import make_member


@pytest.fixture
def member(client, runner):
    """The test client, logged in as a member of the runner's team."""
    client.force_login(make_member(runner.team))
    return client
