"""An empty installation leads its first superuser to a team and a runner; someone with no
team learns how to get invited; admin is for superusers."""

import pytest

from runners.models import AuditEntry, Membership, Team
from tests.factories import make_member, make_team, make_user

pytestmark = pytest.mark.django_db


def test_the_first_superuser_is_led_to_create_a_team(client):
    client.force_login(make_user(is_staff=True, is_superuser=True))

    page = client.get("/").content.decode()

    assert 'href="/teams/new/">Create a team</a>' in page


def test_creating_a_team_makes_its_creator_owner_and_leads_to_adding_a_runner(client):
    admin = make_user("root", is_staff=True, is_superuser=True)
    client.force_login(admin)

    response = client.post("/teams/new/", {"name": "Render farm"})

    team = Team.objects.get()
    assert (team.slug, response.url) == ("render-farm", "/teams/render-farm/runners/add/")
    assert Membership.objects.get(team=team, user=admin).role == "owner"
    assert AuditEntry.objects.get().action == "team_created"


def test_a_team_name_that_exists_is_refused_on_the_field(client):
    make_team("Render farm", slug="render-farm")
    client.force_login(make_user(is_superuser=True))

    response = client.post("/teams/new/", {"name": "render farm"})

    assert response.context["form"].errors["name"] == ["A team with this name already exists."]


def test_someone_in_no_team_is_told_how_to_get_invited(client):
    client.force_login(make_user())

    page = client.get("/").content.decode()

    assert "Ask a team owner for an invite link" in page


def test_a_team_without_runners_points_to_its_pages(client):
    client.force_login(make_member(make_team(), role="owner"))

    page = client.get("/").content.decode()

    assert 'href="/teams/">their team\'s pages</a>' in page


def test_the_admin_link_is_for_superusers_only(client):
    client.force_login(make_user(is_staff=True))

    assert "/admin/" not in client.get("/").content.decode()


def test_the_teams_page_lists_each_team_with_the_links_of_the_role(client):
    team = make_team("Studio", slug="studio")
    client.force_login(make_member(team, role="member"))

    page = client.get("/teams/").content.decode()

    assert "/teams/studio/runners/add/" in page
    assert "/teams/studio/tokens/" not in page


def test_the_dashboard_offers_adding_a_runner_to_those_who_may(client):
    team = make_team("Studio", slug="studio")
    client.force_login(make_member(team, role="member"))

    assert 'href="/teams/studio/runners/add/">Add runner</a>' in client.get("/").content.decode()


def test_a_viewer_is_not_offered_adding_a_runner(client):
    client.force_login(make_member(make_team(), role="viewer"))

    assert ">Add runner</a>" not in client.get("/").content.decode()


def test_a_superuser_sees_every_team_on_the_teams_page(client):
    make_team("Studio", slug="studio")
    client.force_login(make_user(is_superuser=True))

    page = client.get("/teams/").content.decode()

    assert "/teams/studio/members/" in page and "acting as owner" in page
