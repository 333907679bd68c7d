import pytest

from runners.models import Membership
from tests.factories import make_member, make_team


@pytest.fixture
def team():
    return make_team("Studio", slug="studio")


@pytest.fixture
def owner(team):
    return make_member(team, role=Membership.Role.OWNER, username="olga")


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


@pytest.fixture
def member_client(client, team):
    client.force_login(make_member(team, role=Membership.Role.MEMBER, username="mia"))
    return client
