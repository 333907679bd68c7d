"""A runner ComfyControl no longer lists: shown as such, and an owner can delete its bookmark."""

import pytest
from django.utils import timezone

from runners.models import Membership, Runner, RunnerState
from runners.status import Status
from tests.factories import make_member, make_runner, make_team

pytestmark = pytest.mark.django_db


@pytest.fixture
def removed():
    team = make_team(slug="studio")
    runner = make_runner(team, source="managed", slug="gone", removed_at=timezone.now())
    RunnerState.objects.create(runner=runner, status=Status.REMOVED)
    return runner


def test_its_card_says_it_was_removed_upstream(client, removed):
    client.force_login(make_member(removed.team))

    page = client.get("/").content.decode()

    assert "Removed upstream" in page
    assert "ComfyControl no longer lists this runner" in page


def test_an_owner_is_offered_to_delete_it(client, removed):
    client.force_login(make_member(removed.team, role=Membership.Role.OWNER))

    page = client.get("/runners/studio/gone/").content.decode()

    assert "Delete this bookmark" in page


def test_a_member_is_not(client, removed):
    client.force_login(make_member(removed.team))

    assert "Delete this bookmark" not in client.get("/runners/studio/gone/").content.decode()


def test_deleting_it_removes_the_bookmark_and_says_so(client, removed):
    client.force_login(make_member(removed.team, role=Membership.Role.OWNER))

    response = client.post("/runners/studio/gone/delete/", follow=True)

    assert not Runner.objects.filter(pk=removed.pk).exists()
    assert "Deleted the bookmark of" in response.content.decode()
