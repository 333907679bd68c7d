"""Share links: what a share page leaves out, caching, logs, and members who leave."""

import logging

import pytest
from django.urls import reverse

from runners import sharing
from runners.models import Membership, ShareLink
from tests.factories import make_member, make_runner, make_team, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared(runner):
    _, token = sharing.create_link(runner, None, "", None)
    return runner, token


def test_a_share_page_hides_the_runners_tags(client):
    runner = make_runner(make_team(), tags="render-farm-secret-tag, basement")
    _, token = sharing.create_link(runner, None, "", None)

    for path in ("", "poll/"):
        page = client.get(f"/s/{token}/{path}").content.decode()
        assert "render-farm-secret-tag" not in page
        assert "basement" not in page


def test_team_pages_are_never_stored_by_caches(client, runner):
    client.force_login(make_member(runner.team))
    base = f"/runners/{runner.team.slug}/{runner.slug}/"

    for url in ("/", base, f"{base}poll/"):
        response = client.get(url)
        assert response.status_code in (200, 204), url
        assert "no-store" in response["Cache-Control"], url


def test_share_pages_are_never_stored_by_caches(client, shared):
    _, token = shared

    for path in ("", "poll/"):
        assert "no-store" in client.get(f"/s/{token}/{path}")["Cache-Control"]


def test_a_share_url_that_is_not_found_logs_no_token(client, caplog):
    token = "Zm9yZ290dGVuLXNoYXJlLXRva2VuLXZhbHVl"

    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert client.get(f"/s/{token}/").status_code == 404

    assert "Not Found" in caplog.text
    assert token not in caplog.text


def test_leaving_a_team_revokes_the_members_links_to_its_runners(runner):
    leaver = make_member(runner.team)
    stayer = make_member(runner.team)
    other_team_runner = make_runner(make_team())
    Membership.objects.create(user=leaver, team=other_team_runner.team)
    leavers, _ = sharing.create_link(runner, leaver, "", None)
    stayers, _ = sharing.create_link(runner, stayer, "", None)
    elsewhere, _ = sharing.create_link(other_team_runner, leaver, "", None)

    Membership.objects.get(user=leaver, team=runner.team).delete()

    assert not ShareLink.objects.get(pk=leavers.pk).is_active
    assert ShareLink.objects.get(pk=stayers.pk).is_active
    assert ShareLink.objects.get(pk=elsewhere.pk).is_active


def test_deleting_a_user_revokes_their_links(runner):
    leaver = make_member(runner.team)
    link, _ = sharing.create_link(runner, leaver, "", None)

    leaver.delete()

    assert not ShareLink.objects.get(pk=link.pk).is_active


def test_removing_a_member_in_admin_revokes_their_links(client, runner):
    leaver = make_member(runner.team)
    link, _ = sharing.create_link(runner, leaver, "", None)
    membership = Membership.objects.get(user=leaver)
    client.force_login(make_user(is_staff=True, is_superuser=True))

    url = reverse("admin:runners_membership_delete", args=[membership.pk])
    assert client.post(url, {"post": "yes"}).status_code == 302

    assert not ShareLink.objects.get(pk=link.pk).is_active
