"""Rows encrypted under a key no longer configured: pages work, secrets can be re-entered."""

import pytest
from cryptography.fernet import Fernet
from django.urls import reverse

from runners.forms import UNREADABLE_TOKEN
from runners.models import ApiToken, Runner
from runners.polling import refresh
from runners.status import Status
from tests.factories import make_runner, make_team, make_token, make_user

pytestmark = pytest.mark.django_db

KEY_A = Fernet.generate_key().decode()
KEY_B = Fernet.generate_key().decode()


@pytest.fixture
def lost(settings):
    """A token and two runners encrypted under key A, read with key B only."""
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    team = make_team()
    token = make_token(team, secret="cfc_lost_token_abcd")
    managed = make_runner(team, source=Runner.Source.MANAGED, token=token)
    direct = make_runner(team, headers={"Authorization": "Bearer proxy-secret-lost"})
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B]
    return token, managed, direct


@pytest.fixture
def staff(client):
    client.force_login(make_user(is_staff=True, is_superuser=True))
    return client


def test_admin_lists_and_change_forms_render(staff, lost):
    token, managed, direct = lost
    urls = [
        reverse("admin:runners_apitoken_changelist"),
        reverse("admin:runners_runner_changelist"),
        reverse("admin:runners_apitoken_change", args=[token.pk]),
        reverse("admin:runners_runner_change", args=[direct.pk]),
        reverse("admin:runners_runner_change", args=[managed.pk]),
    ]

    for url in urls:
        assert staff.get(url).status_code == 200, url
    assert "cannot be decrypted" in staff.get(urls[0]).content.decode()


def token_change(client, token: ApiToken, secret: str):
    url = reverse("admin:runners_apitoken_change", args=[token.pk])
    data = {"team": token.team_id, "label": token.label, "secret": secret, "_save": "Save"}
    return client.post(url, data)


def test_re_entering_the_token_replaces_the_unreadable_one(staff, lost):
    token, _, _ = lost

    response = token_change(staff, token, "cfc_new_token_wxyz")

    assert response.status_code == 302
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.secret == "cfc_new_token_wxyz"
    assert stored.hint == "wxyz"


def test_saving_without_the_token_asks_for_it(staff, lost):
    token, _, _ = lost

    response = token_change(staff, token, "")

    assert response.status_code == 200
    assert UNREADABLE_TOKEN in response.content.decode()


def test_re_entering_headers_replaces_the_unreadable_ones(staff, lost):
    _, _, direct = lost
    url = reverse("admin:runners_runner_change", args=[direct.pk])
    data = {
        "team": direct.team_id, "name": direct.name, "slug": direct.slug,
        "source": direct.source, "base_url": direct.base_url, "poll_interval": 30,
        "headers_text": "Authorization: Bearer proxy-secret-new", "_save": "Save",
    }  # fmt: skip

    assert staff.post(url, data).status_code == 302
    assert Runner.objects.get(pk=direct.pk).headers == {"Authorization": "Bearer proxy-secret-new"}


@pytest.mark.parametrize("kind", ["managed", "direct"])
def test_a_fetch_records_that_the_credentials_cannot_be_decrypted(lost, kind):
    _, managed, direct = lost
    runner = Runner.objects.get(pk=(managed if kind == "managed" else direct).pk)

    state = refresh(runner, force=True)

    assert state.status == Status.UNDECRYPTABLE
