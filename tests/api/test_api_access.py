"""API keys: scoped to their team, refused once revoked, their last use recorded."""

import pytest

from runners.api import keys
from runners.models import ApiKey
from runners.sharing import secret_hash
from tests.factories import make_member, make_runner, make_team

pytestmark = pytest.mark.django_db


def test_a_key_of_one_team_sees_nothing_of_another(api, team):
    other = make_team("Rivals")
    make_runner(other, name="Their box", slug="their-box")
    make_runner(team, name="Our box", slug="our-box")

    listed = api("runners/").json()["results"]

    assert [runner["slug"] for runner in listed] == ["our-box"]
    assert api("runners/their-box").status_code == 404
    assert api("runners/their-box/history").status_code == 404
    assert "their-box" not in api("metrics").content.decode()


def test_a_revoked_key_gets_401(api, api_key):
    keys.revoke(ApiKey.objects.get())

    response = api("runners/")

    assert response.status_code == 401
    assert response.json()["status"] == 401


@pytest.mark.parametrize(
    "header", ["", "Bearer", "Bearer cwk_not-a-key", "Basic Zm9vOmJhcg==", "Token cwk_x"]
)
def test_a_missing_or_unknown_key_gets_401_json(client, header):
    response = client.get("/api/v1/runners/", HTTP_AUTHORIZATION=header)

    assert response.status_code == 401
    assert response.json() == {
        "status": 401,
        "message": "A valid API key is needed: send “Authorization: Bearer <key>”.",
    }


def test_a_key_is_stored_only_as_its_hash(team):
    key_row, key = keys.create_api_key(team, make_member(team, role="owner"), "grafana")

    assert key_row.key_hash == secret_hash(key)
    assert key not in str(ApiKey.objects.values().get())
    assert key.startswith(key_row.prefix)


def test_the_last_use_of_a_key_is_recorded(api):
    assert ApiKey.objects.get().last_used_at is None

    api("runners/")

    assert ApiKey.objects.get().last_used_at is not None


def test_the_api_only_reads(api, client, api_key):
    response = client.post("/api/v1/runners/", HTTP_AUTHORIZATION=f"Bearer {api_key}")

    assert response.status_code == 405
