"""Status badges: SVG under an unguessable, revocable key, showing only the chosen label."""

import pytest

from runners.api import keys
from runners.models import BadgeKey
from tests.api.conftest import fetched_runner
from tests.factories import make_member, make_runner

pytestmark = pytest.mark.django_db


def badge_url(runner, label="render farm") -> str:
    _, key = keys.create_badge_key(runner, make_member(runner.team, role="owner"), label)
    return f"/badge/{key}.svg"


def test_an_up_runner_shows_up_and_its_free_vram(client, team, simulator):
    runner = fetched_runner(team, simulator, 0, name="Secret project box")

    response = client.get(badge_url(runner))

    svg = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert "render farm" in svg and "up · " in svg and "GiB free" in svg
    assert "Secret project box" not in svg and runner.slug not in svg


def test_a_badge_is_valid_under_the_strict_csp(client, team):
    response = client.get(badge_url(make_runner(team, paused=True)))

    svg = response.content.decode()
    assert "<script" not in svg and "<style" not in svg and "style=" not in svg
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "paused" in svg


def test_a_badge_may_be_cached_for_a_few_seconds(client, team):
    response = client.get(badge_url(make_runner(team)))

    assert response["Cache-Control"] == "max-age=10"


def test_a_revoked_badge_is_gone(client, team):
    url = badge_url(make_runner(team))
    keys.revoke(BadgeKey.objects.get())

    assert client.get(url).status_code == 404


def test_an_unknown_badge_key_is_a_404(client):
    assert client.get("/badge/cwb_guessed.svg").status_code == 404
