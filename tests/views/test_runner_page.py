import pytest

from runners.models import StatusChange
from tests.factories import make_member, make_runner, make_team

pytestmark = pytest.mark.django_db


def test_status_history_names_statuses_in_the_cards_words(client):
    team = make_team("Studio", slug="studio")
    runner = make_runner(team, slug="box")
    StatusChange.objects.create(runner=runner, ts=1_700_000_000, status="ok")
    StatusChange.objects.create(runner=runner, ts=1_700_000_030, status="upstream_error")
    client.force_login(make_member(team))

    page = client.get("/runners/studio/box/").content.decode()

    assert "Upstream error</span>" in page
    assert "upstream_error</span>" not in page


def test_members_see_the_polled_address_without_its_credentials_and_a_link_to_comfyui(client):
    team = make_team("Studio", slug="studio")
    make_runner(team, slug="box", base_url="http://alice:s3cret@10.0.0.5:8188/comfy")
    client.force_login(make_member(team))

    page = client.get("/runners/studio/box/").content.decode()

    assert "<h1>" in page
    assert "<code>http://10.0.0.5:8188/comfy</code>" in page
    assert '<a href="http://10.0.0.5:8188/comfy" rel="noopener noreferrer" target="_blank">' in page
    assert "s3cret" not in page and "alice" not in page
