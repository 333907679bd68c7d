"""The API keys page: keys and badges are shown once, listed by prefix, revocable."""

import pytest

from runners.models import ApiKey, BadgeKey, Membership
from tests.factories import make_member, make_runner

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(client, team):
    client.force_login(make_member(team, role=Membership.Role.OWNER))
    return client


def test_a_new_key_is_shown_once_and_then_only_by_its_prefix(owner, team):
    page = owner.post(f"/teams/{team.slug}/api-keys/new/", {"label": "grafana"}).content.decode()

    key = ApiKey.objects.get()
    shown = page.split('aria-label="New API key"')[0].rsplit('value="', 1)[1].split('"')[0]
    assert shown.startswith(key.prefix)
    later = owner.get(f"/teams/{team.slug}/api-keys/").content.decode()
    assert shown not in later and f"{key.prefix}…" in later


def test_the_new_key_opens_the_api(owner, client, team):
    page = owner.post(f"/teams/{team.slug}/api-keys/new/", {"label": "script"}).content.decode()
    key = page.split('aria-label="New API key"')[0].rsplit('value="', 1)[1].split('"')[0]
    client.logout()

    assert client.get("/api/v1/runners/", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200


def test_an_owner_revokes_a_key(owner, team):
    owner.post(f"/teams/{team.slug}/api-keys/new/", {"label": "old"})
    key = ApiKey.objects.get()

    owner.post(f"/teams/{team.slug}/api-keys/{key.pk}/revoke/")

    key.refresh_from_db()
    assert key.revoked_at is not None


def test_an_owner_makes_a_badge_with_its_own_label(owner, team):
    make_runner(team, slug="box", name="Internal codename")

    page = owner.post(
        f"/teams/{team.slug}/badges/new/", {"badge-runner": "box", "badge-label": "renders"}
    ).content.decode()

    badge = BadgeKey.objects.get()
    assert f"/badge/{badge.prefix}" in page
    assert badge.label == "renders"


@pytest.mark.parametrize("role", [Membership.Role.VIEWER, Membership.Role.MEMBER])
def test_members_and_viewers_cannot_create_keys(client, team, role):
    client.force_login(make_member(team, role=role))

    assert client.post(f"/teams/{team.slug}/api-keys/new/", {"label": "x"}).status_code == 403
    assert client.get(f"/teams/{team.slug}/api-keys/").status_code == 403
    assert not ApiKey.objects.exists()
