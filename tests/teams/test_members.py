"""Members: invite links (single use, expiring, role chosen up front), roles, removal; a team
always keeps an owner."""

import re

import pytest
import time_machine
from django.contrib.auth.models import User
from django.utils import timezone

from runners import sharing
from runners.models import AuditEntry, Membership
from runners.teams import invites
from tests.factories import make_member, make_runner, make_user

pytestmark = pytest.mark.django_db

MEMBERS = "/teams/studio/members/"


def invite_link(client, role="member") -> str:
    page = client.post(f"{MEMBERS}invite/", {"role": role}).content.decode()
    return re.search(r'value="http://testserver(/invite/[^"]+/)"', page)[1]


def test_an_owner_makes_an_invite_link_with_the_role(owner_client, team):
    link = invite_link(owner_client, "viewer")

    invite = team.invites.get()
    assert invite.role == "viewer" and invite.is_open
    assert invite.token_hash not in link  # only the hash is stored


def test_a_newcomer_signs_up_on_the_invite_page_and_joins(owner_client, client, team):
    link = invite_link(owner_client, "viewer")
    owner_client.logout()

    response = client.post(
        link, {"username": "nina", "password1": "a-long-pass-99", "password2": "a-long-pass-99"}
    )

    assert response.url == "/"
    assert Membership.objects.get(user__username="nina", team=team).role == "viewer"
    assert AuditEntry.objects.filter(action="member_joined", actor_name="nina").exists()


def test_the_invite_page_offers_logging_in_and_coming_back(owner_client, team):
    link = invite_link(owner_client)
    owner_client.logout()

    page = owner_client.get(link).content.decode()

    assert f'href="/login/?next={link}"' in page
    assert "Create account and join" in page


def test_someone_logged_in_joins_with_one_click(owner_client, client, team):
    link = invite_link(owner_client)
    client.force_login(make_user("ben"))

    client.post(link)

    assert Membership.objects.get(user__username="ben", team=team).role == "member"


def test_an_invite_works_once(owner_client, client, team):
    link = invite_link(owner_client)
    client.force_login(make_user("ben"))
    client.post(link)
    client.force_login(make_user("eve"))

    response = client.post(link)

    assert response.status_code == 404
    assert "already used, was revoked, or has expired" in response.content.decode()
    assert not Membership.objects.filter(user__username="eve").exists()


def test_an_invite_expires(owner_client, client, team):
    link = invite_link(owner_client)

    with time_machine.travel(timezone.now() + invites.VALID_FOR, tick=False):
        response = client.get(link)

    assert response.status_code == 404


def test_a_revoked_invite_cannot_be_used(owner_client, team):
    link = invite_link(owner_client)
    owner_client.post(f"/teams/studio/invites/{team.invites.get().pk}/revoke/")
    owner_client.logout()

    assert owner_client.get(link).status_code == 404


def test_a_bad_sign_up_stays_on_the_page_with_the_reason(owner_client, client, team):
    link = invite_link(owner_client)
    owner_client.logout()

    response = client.post(link, {"username": "nina", "password1": "a", "password2": "b"})

    assert response.status_code == 200
    assert "password fields didn" in response.content.decode()
    assert not User.objects.filter(username="nina").exists()


def test_an_owner_changes_a_role(owner_client, team):
    mia = make_member(team, role="member")

    owner_client.post(f"{MEMBERS}{mia.pk}/role/", {"role": "owner"})

    assert Membership.objects.get(user=mia).role == "owner"
    assert AuditEntry.objects.get().subject == f"{mia.username} to owner"


def test_the_last_owner_cannot_step_down(owner_client, owner, team):
    response = owner_client.post(f"{MEMBERS}{owner.pk}/role/", {"role": "member"}, follow=True)

    assert Membership.objects.get(user=owner).role == "owner"
    assert "A team needs an owner" in response.content.decode()


def test_the_last_owner_cannot_leave(owner_client, owner, team):
    owner_client.post("/teams/studio/leave/")

    assert Membership.objects.filter(user=owner, team=team).exists()


def test_an_owner_can_step_down_when_another_owner_remains(owner_client, owner, team):
    make_member(team, role="owner")

    owner_client.post(f"{MEMBERS}{owner.pk}/role/", {"role": "member"})

    assert Membership.objects.get(user=owner).role == "member"


def test_removing_a_member_revokes_their_share_links(owner_client, team):
    mia = make_member(team, role="member")
    link, _ = sharing.create_link(make_runner(team), mia, "client", None)

    response = owner_client.post(f"{MEMBERS}{mia.pk}/remove/", follow=True)

    assert not Membership.objects.filter(user=mia).exists()
    link.refresh_from_db()
    assert link.revoked_at is not None
    assert "their share links were revoked" in response.content.decode()


def test_a_member_leaves_a_team(client, team):
    mia = make_member(team, role="member")
    client.force_login(mia)

    client.post("/teams/studio/leave/")

    assert not Membership.objects.filter(user=mia).exists()
    assert AuditEntry.objects.get().action == "member_left"


def test_the_members_page_lists_members_and_open_invites(owner_client, team):
    make_member(team, role="viewer", username="vic")
    invite_link(owner_client, "member")

    page = owner_client.get(MEMBERS).content.decode()

    assert "vic" in page and "olga" in page
    assert "Open invite links" in page
