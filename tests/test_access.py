import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404, QueryDict

from runners import access
from runners.fleet.listing import listing_for
from tests.factories import make_member, make_runner, make_team, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_teams():
    ours, theirs = make_team("Ours"), make_team("Theirs")
    return ours, theirs, make_runner(ours, name="Our GPU"), make_runner(theirs, name="Their GPU")


def listed(user):
    return listing_for(user, QueryDict()).runners


def test_a_member_sees_only_the_runners_of_their_teams(two_teams):
    ours, _, our_runner, _ = two_teams
    user = make_member(ours)

    assert listed(user) == [our_runner]


def test_a_user_in_two_teams_sees_both(two_teams):
    ours, theirs, our_runner, their_runner = two_teams
    user = make_member(ours)
    theirs.memberships.create(user=user, role="viewer")

    assert set(listed(user)) == {our_runner, their_runner}


def test_a_user_without_a_team_sees_nothing(two_teams):
    assert listed(make_user()) == []


def test_a_superuser_sees_every_team(two_teams):
    admin = make_user(is_superuser=True, is_staff=True)

    assert len(listed(admin)) == 2


def test_the_dashboard_lists_only_the_users_runners(client, two_teams):
    ours, *_ = two_teams
    client.force_login(make_member(ours))

    page = client.get("/").content.decode()

    assert "Our GPU" in page
    assert "Their GPU" not in page


def test_another_teams_runner_is_not_found(two_teams):
    ours, theirs, _, their_runner = two_teams
    user = make_member(ours)

    with pytest.raises(Http404):
        access.get_runner(user, theirs.slug, their_runner.slug)


def test_the_dashboard_needs_a_login(client):
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.mark.parametrize("role", ["owner", "member", "viewer"])
def test_a_runner_comes_with_the_users_role_in_its_team(two_teams, role):
    ours, _, our_runner, _ = two_teams
    user = make_member(ours, role=role)

    assert access.get_runner(user, ours.slug, our_runner.slug) == (our_runner, role)


def test_a_runner_and_the_role_cost_one_query(two_teams, django_assert_num_queries):
    ours, _, our_runner, _ = two_teams
    user = make_member(ours)

    with django_assert_num_queries(1):
        runner, _ = access.get_runner(user, ours.slug, our_runner.slug)
        assert runner.team.name == "Ours"


def test_a_superuser_acts_as_an_owner(two_teams):
    _, theirs, _, their_runner = two_teams
    admin = make_user(is_superuser=True, is_staff=True)

    assert access.get_runner(admin, theirs.slug, their_runner.slug)[1] == "owner"


def test_a_viewer_may_not_change_a_runner(two_teams):
    ours, _, our_runner, _ = two_teams
    viewer = make_member(ours, role="viewer")

    with pytest.raises(PermissionDenied):
        access.get_editable_runner(viewer, ours.slug, our_runner.slug)


def test_another_teams_runner_is_not_found_for_a_change_either(two_teams):
    ours, theirs, _, their_runner = two_teams
    owner = make_member(ours, role="owner")

    with pytest.raises(Http404):
        access.get_editable_runner(owner, theirs.slug, their_runner.slug)
