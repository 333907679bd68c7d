"""Every URL, visited as every kind of user."""

import pytest
from django.test import Client

from runners import sharing
from runners.alerts import setup
from runners.api import keys
from runners.models import Channel, Membership
from runners.teams import invites
from tests.factories import make_member, make_runner, make_team, make_token, make_user

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "non_member", "viewer", "member", "owner", "staff", "superuser"]

# url name → (method, expected status per role, in ROLES order)
EXPECTED = {
    "dashboard": ("get", [302, 200, 200, 200, 200, 200, 200]),
    "runner": ("get", [302, 404, 200, 200, 200, 404, 200]),
    "runner_poll": ("get", [302, 404, 200, 200, 200, 404, 200]),
    "dashboard_poll": ("get", [302, 200, 200, 200, 200, 200, 200]),
    "refresh": ("post", [302, 404, 403, 200, 200, 404, 200]),
    "share_create": ("post", [302, 404, 403, 200, 200, 404, 200]),
    "share_revoke": ("post", [302, 404, 403, 403, 200, 404, 200]),
    "delete": ("post", [302, 404, 403, 403, 302, 404, 302]),
    "share_page": ("get", [200] * 7),
    "share_poll": ("get", [200] * 7),
    # Django admin is for superusers only: a staff user is sent to its login page.
    "admin": ("get", [302, 302, 302, 302, 302, 302, 200]),
    "teams": ("get", [302, 200, 200, 200, 200, 200, 200]),
    "team_new": ("get", [302, 403, 403, 403, 403, 403, 200]),
    "runner_add": ("get", [302, 404, 403, 200, 200, 404, 200]),
    "runner_edit": ("get", [302, 404, 403, 200, 200, 404, 200]),
    "runner_pause": ("post", [302, 404, 403, 302, 302, 404, 302]),
    "runner_resume": ("post", [302, 404, 403, 302, 302, 404, 302]),
    "members": ("get", [302, 404, 403, 403, 200, 404, 200]),
    "invite_create": ("post", [302, 404, 403, 403, 200, 404, 200]),
    "invite_revoke": ("post", [302, 404, 403, 403, 302, 404, 302]),
    "member_role": ("post", [302, 404, 403, 403, 302, 404, 302]),
    "member_remove": ("post", [302, 404, 403, 403, 302, 404, 302]),
    "leave": ("post", [302, 404, 302, 302, 302, 404, 404]),
    "tokens": ("get", [302, 404, 403, 403, 200, 404, 200]),
    "token_replace": ("post", [302, 404, 403, 403, 200, 404, 200]),
    "token_delete": ("post", [302, 404, 403, 403, 302, 404, 302]),
    "token_import": ("post", [302, 404, 403, 403, 302, 404, 302]),
    "import_status": ("get", [302, 404, 403, 403, 200, 404, 200]),
    "audit": ("get", [302, 404, 403, 403, 200, 404, 200]),
    "invite_page": ("get", [200] * 7),
    "alerts": ("get", [302, 404, 403, 403, 200, 404, 200]),
    "alert_channel_add": ("post", [302, 404, 403, 403, 400, 404, 400]),  # no URL: refused
    "alert_channel_test": ("post", [302, 404, 403, 403, 302, 404, 302]),
    "alert_channel_delete": ("post", [302, 404, 403, 403, 302, 404, 302]),
    "alert_rules": ("post", [302, 404, 403, 403, 400, 404, 400]),  # no minutes: refused
    "alert_runner_rule": ("post", [302, 404, 403, 403, 400, 404, 400]),  # no runner
    "api_keys": ("get", [302, 404, 403, 403, 200, 404, 200]),
    "api_key_create": ("post", [302, 404, 403, 403, 200, 404, 200]),
    "api_key_revoke": ("post", [302, 404, 403, 403, 302, 404, 302]),
    "badge_create": ("post", [302, 404, 403, 403, 400, 404, 400]),  # no runner: refused
    "badge_revoke": ("post", [302, 404, 403, 403, 302, 404, 302]),
    # Machines' URLs: a key, not a login, opens them; a session never does.
    "badge": ("get", [200] * 7),
    "api_runners": ("get", [401] * 7),
    "api_metrics": ("get", [401] * 7),
    "api_openapi": ("get", [200] * 7),
    "fleet": ("get", [302, 200, 200, 200, 200, 200, 200]),
    "matrix": ("get", [302, 404, 200, 200, 200, 404, 200]),
    "baseline": ("get", [302, 404, 200, 200, 200, 404, 200]),
    "baseline_save": ("post", [302, 404, 403, 302, 302, 404, 302]),
    "compare": ("get", [302, 404, 200, 200, 200, 404, 200]),
    "finder": ("get", [302, 404, 200, 200, 200, 404, 200]),
    "check": ("get", [302, 404, 200, 200, 200, 404, 200]),
    "check_post": ("post", [302, 404, 400, 400, 400, 404, 400]),
}


@pytest.fixture
def world():
    team = make_team("Studio", slug="studio")
    runner = make_runner(team, name="GPU box", slug="gpu-box", paused=True)
    users = {
        "anonymous": None,
        "non_member": make_user(),
        "viewer": make_member(team, role=Membership.Role.VIEWER),
        "member": make_member(team, role=Membership.Role.MEMBER),
        "owner": make_member(team, role=Membership.Role.OWNER),
        "staff": make_user(is_staff=True),
        "superuser": make_user(is_staff=True, is_superuser=True),
    }
    link, token = sharing.create_link(runner, users["owner"], "for a client", None)
    invite, invite_token = invites.create(team, Membership.Role.MEMBER, users["owner"])
    api_token = make_token(team)
    target = make_member(team, role=Membership.Role.MEMBER)
    channel, _ = setup.create_channel(team, Channel.Kind.EMAIL, "ops", "ops@example.com")
    api_key, _ = keys.create_api_key(team, users["owner"], "script")
    badge, badge_key = keys.create_badge_key(runner, users["owner"], "box")
    base = "/runners/studio/gpu-box"
    urls = {
        "dashboard": "/",
        "runner": f"{base}/",
        "runner_poll": f"{base}/poll/",
        "dashboard_poll": "/poll/",
        "refresh": f"{base}/refresh/",
        "share_create": f"{base}/share/",
        "share_revoke": f"{base}/share/{link.pk}/revoke/",
        "delete": f"{base}/delete/",
        "share_page": f"/s/{token}/",
        "share_poll": f"/s/{token}/poll/",
        "admin": "/admin/",
        "teams": "/teams/",
        "team_new": "/teams/new/",
        "runner_add": "/teams/studio/runners/add/",
        "runner_edit": f"{base}/edit/",
        "runner_pause": f"{base}/pause/",
        "runner_resume": f"{base}/resume/",
        "members": "/teams/studio/members/",
        "invite_create": "/teams/studio/members/invite/",
        "invite_revoke": f"/teams/studio/invites/{invite.pk}/revoke/",
        "member_role": f"/teams/studio/members/{target.pk}/role/",
        "member_remove": f"/teams/studio/members/{target.pk}/remove/",
        "leave": "/teams/studio/leave/",
        "tokens": "/teams/studio/tokens/",
        "token_replace": f"/teams/studio/tokens/{api_token.pk}/replace/",
        "token_delete": f"/teams/studio/tokens/{api_token.pk}/delete/",
        "token_import": f"/teams/studio/tokens/{api_token.pk}/import/",
        "import_status": f"/teams/studio/tokens/{api_token.pk}/import/status/",
        "audit": "/teams/studio/audit/",
        "invite_page": f"/invite/{invite_token}/",
        "alerts": "/teams/studio/alerts/",
        "alert_channel_add": "/teams/studio/alerts/channels/",
        "alert_channel_test": f"/teams/studio/alerts/channels/{channel.pk}/test/",
        "alert_channel_delete": f"/teams/studio/alerts/channels/{channel.pk}/delete/",
        "alert_rules": "/teams/studio/alerts/rules/",
        "alert_runner_rule": "/teams/studio/alerts/runner-rule/",
        "api_keys": "/teams/studio/api-keys/",
        "api_key_create": "/teams/studio/api-keys/new/",
        "api_key_revoke": f"/teams/studio/api-keys/{api_key.pk}/revoke/",
        "badge_create": "/teams/studio/badges/new/",
        "badge_revoke": f"/teams/studio/badges/{badge.pk}/revoke/",
        "badge": f"/badge/{badge_key}.svg",
        "api_runners": "/api/v1/runners/",
        "api_metrics": "/api/v1/metrics",
        "api_openapi": "/api/v1/openapi.json",
        "fleet": "/fleet/",
        "matrix": "/teams/studio/extensions/",
        "baseline": "/teams/studio/baseline/",
        "baseline_save": "/teams/studio/baseline/save/",
        "compare": "/teams/studio/compare/?a=gpu-box&b=gpu-box",
        "finder": "/teams/studio/finder/?vram=10",
        "check": "/teams/studio/check/",
        "check_post": "/teams/studio/check/run/",
    }
    return users, urls


@pytest.mark.parametrize("name", EXPECTED)
@pytest.mark.parametrize("role", ROLES)
def test_each_url_answers_each_role_as_specified(client, world, name, role):
    users, urls = world
    method, statuses = EXPECTED[name]
    if users[role] is not None:
        client.force_login(users[role])

    data = {"label": "x", "expires_in_days": "1", "role": "viewer"}
    response = getattr(client, method)(urls[name], data)

    assert response.status_code == statuses[ROLES.index(role)]


def test_a_revoked_share_link_is_refused_at_once(client, world):
    users, urls = world
    client.force_login(users["owner"])
    client.post(urls["share_revoke"])
    client.logout()

    assert client.get(urls["share_page"]).status_code == 404
    assert client.get(urls["share_poll"]).status_code == 404


POSTS = [name for name, (method, _) in EXPECTED.items() if method == "post"]


@pytest.mark.parametrize("name", POSTS)
def test_every_change_needs_the_csrf_token(world, name):
    users, urls = world
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["superuser"])

    assert client.post(urls[name]).status_code == 403


@pytest.mark.parametrize("name", POSTS)
def test_every_change_refuses_a_get(client, world, name):
    users, urls = world
    client.force_login(users["superuser"])

    assert client.get(urls[name]).status_code == 405
