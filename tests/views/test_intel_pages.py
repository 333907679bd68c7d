"""The fleet intelligence pages, as a team member reads them."""

import json

import pytest

from runners.intel import drift
from runners.intel.models import Baseline, Software
from runners.models import Membership
from tests.bodies import FIXTURES
from tests.factories import make_fleet_runner, make_member, make_team

pytestmark = pytest.mark.django_db

WORKFLOWS = FIXTURES / "workflows"


@pytest.fixture
def team():
    team = make_team("Studio", slug="studio")
    make_fleet_runner(team, ("rgthree-comfy",), name="alpha", slug="alpha")
    make_fleet_runner(team, ("rgthree-comfy",), name="beta", slug="beta")
    make_fleet_runner(team, (), comfyui="0.3.60", name="gamma", slug="gamma")
    return team


@pytest.fixture
def member(client, team):
    user = make_member(team)
    client.force_login(user)
    return user


def test_the_matrix_shows_packs_and_the_drifting_runner(client, team, member):
    drift.update_team(team.pk)

    page = client.get("/teams/studio/extensions/").content.decode()

    assert "rgthree-comfy" in page
    assert "lacks rgthree-comfy; ComfyUI 0.3.60, team runs 0.3.64" in page


def test_a_card_and_a_row_show_drift_in_words(client, team, member):
    drift.update_team(team.pk)

    cards = client.get("/").content.decode()
    table = client.get("/?view=table").content.decode()

    assert "Drift: lacks rgthree-comfy" in cards
    assert 'class="drift-flag"' in table


def test_saving_a_baseline_updates_drift(client, team, member):
    response = client.post(
        "/teams/studio/baseline/save/", {"packs": "rgthree-comfy, Impact", "comfyui_min": "0.3.60"}
    )

    assert response.status_code == 302
    assert Baseline.objects.get(team=team).packs == ["rgthree-comfy", "Impact"]
    assert Software.objects.get(runner__slug="alpha").drift == "lacks Impact"


def test_a_bad_baseline_version_is_an_error_on_its_field(client, team, member):
    response = client.post("/teams/studio/baseline/save/", {"comfyui_min": "latest"})

    assert response.status_code == 400
    assert "Enter a version such as 0.3.64." in response.content.decode()


def test_compare_shows_two_runners_differences(client, team, member):
    page = client.get("/teams/studio/compare/?a=alpha&b=gamma").content.decode()

    assert "0.3.60" in page and "0.3.64" in page
    assert "rgthree-comfy" in page


def test_an_empty_finder_result_says_which_condition_excluded_most(client, team, member):
    page = client.get("/teams/studio/finder/?vram=100&packs=rgthree-comfy").content.decode()

    assert "No runner meets every condition." in page
    assert "excluded the most: 3 of 3" in page


def test_an_uploaded_png_is_checked_and_nothing_is_stored(client, team, member):
    with open(WORKFLOWS / "comfyui-saved-blur.png", "rb") as png:
        response = client.post("/teams/studio/check/run/", {"file": png})

    page = response.content.decode()
    assert response.status_code == 200
    assert "EmptyImage, ImageBlur, SaveImage" in page


def test_a_pasted_workflow_that_is_not_json_gets_an_error_on_the_field(client, team, member):
    response = client.post("/teams/studio/check/run/", {"text": "hello"})

    assert response.status_code == 400
    assert "neither JSON nor a PNG" in response.content.decode()


def test_a_viewer_cannot_change_the_baseline(client, team):
    client.force_login(make_member(team, role=Membership.Role.VIEWER))

    assert client.post("/teams/studio/baseline/save/", {"packs": "x"}).status_code == 403
    assert not Baseline.objects.exists()


def test_a_pasted_workflow_of_four_megabytes_is_read(client, team, member):
    api = {str(i): {"class_type": "KSampler", "inputs": {"pad": "x" * 4000}} for i in range(1000)}

    response = client.post("/teams/studio/check/run/", {"text": json.dumps(api)})

    assert response.status_code == 200
    assert "API format" in response.content.decode()


def test_a_post_over_the_request_cap_gets_a_clear_error(client, team, member):
    response = client.post("/teams/studio/check/run/", {"text": "x" * (7 * 1024 * 1024)})

    assert response.status_code == 400
    assert "larger than 5 MB" in response.content.decode()


def test_a_share_page_shows_no_drift(client, team):
    from runners import sharing
    from runners.models import Runner

    drift.update_team(team.pk)
    gamma = Runner.objects.get(slug="gamma")
    _, token = sharing.create_link(gamma, make_member(team), "client", None)

    page = client.get(f"/s/{token}/").content.decode()

    assert "gamma" in page
    assert "Drift" not in page and "rgthree" not in page
