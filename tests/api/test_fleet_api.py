"""The fleet-intelligence endpoints: the key's team only, parameters checked, nothing stored."""

import pytest

from runners.api import keys
from runners.intel.models import Software
from tests.bodies import FIXTURES
from tests.factories import make_fleet_runner, make_member, make_team

pytestmark = pytest.mark.django_db

WORKFLOWS = FIXTURES / "workflows"


@pytest.fixture
def fleet(team):
    make_fleet_runner(team, ("rgthree-comfy",), nodes={"Seed (rgthree)": "rgthree-comfy"},
                      slug="alpha", name="alpha", vram_free=40 * 1024**3)  # fmt: skip
    make_fleet_runner(team, ("rgthree-comfy",), slug="beta", name="beta")
    make_fleet_runner(team, (), comfyui="0.3.60", slug="gamma", name="gamma")
    return team


def post_check(client, api_key, body: bytes, content_type: str = "application/json"):
    return client.post(
        "/api/v1/fleet/check", body, content_type=content_type,
        HTTP_AUTHORIZATION=f"Bearer {api_key}",
    )  # fmt: skip


def test_the_matrix_lists_packs_by_runner(api, fleet):
    answer = api("fleet/extensions").json()

    assert answer["runners"] == ["alpha", "beta", "gamma"]
    assert answer["packs"] == [{"name": "rgthree-comfy", "count": 2, "has": [True, True, False]}]


def test_drift_is_keyed_by_runner_slug(api, fleet):
    answer = api("fleet/drift").json()

    assert list(answer) == ["gamma"]
    assert answer["gamma"]["lacks"] == ["rgthree-comfy"]


def test_the_finder_takes_the_pages_conditions(api, fleet):
    answer = api("fleet/finder", vram="30", packs="rgthree-comfy").json()

    assert [runner["slug"] for runner in answer["matches"]] == ["alpha"]


def test_a_bad_finder_condition_is_a_400_naming_it(api, fleet):
    response = api("fleet/finder", comfyui_min="newest")

    assert response.status_code == 400
    assert response.json()["parameter"] == "comfyui_min"


def test_a_posted_workflow_gets_a_verdict_per_runner(client, api_key, fleet):
    body = (WORKFLOWS / "user-ui-subgraph-rgthree.json").read_bytes()

    answer = post_check(client, api_key, body).json()

    verdicts = {v["runner"]["slug"]: v for v in answer["runners"]}
    assert verdicts["alpha"]["nodes_ok"] is False  # its inventory lacks KSampler
    assert verdicts["gamma"]["lacking_packs"] == ["rgthree-comfy"]


def test_a_posted_png_is_read(client, api_key, fleet):
    body = (WORKFLOWS / "comfyui-saved-blur.png").read_bytes()

    answer = post_check(client, api_key, body, "image/png").json()

    assert answer["node_classes"] == ["EmptyImage", "ImageBlur", "SaveImage"]


def test_a_body_that_is_no_workflow_is_a_400(client, api_key, fleet):
    response = post_check(client, api_key, b'{"hello": 1}')

    assert response.status_code == 400
    assert response.json()["parameter"] == "body"


def test_another_teams_key_sees_only_its_own_runners(client, fleet):
    other = make_team()
    _, key = keys.create_api_key(other, make_member(other, role="owner"), "script")

    answer = client.get("/api/v1/fleet/extensions", HTTP_AUTHORIZATION=f"Bearer {key}").json()

    assert answer == {"runners": [], "packs": []}
    assert Software.objects.count() == 3
