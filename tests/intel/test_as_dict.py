"""What the read-only API gets from each answer: JSON with no address or secret in it."""

import json

import pytest

from runners.intel import drift
from runners.intel.compat import check
from runners.intel.finder import Query, find
from runners.intel.matrix import MatrixQuery, matrix_for
from runners.intel.workflow import parse
from runners.units import GIB
from tests.bodies import FIXTURES
from tests.factories import make_fleet_runner, make_team

pytestmark = pytest.mark.django_db

SECRET_HEADER = {"Authorization": "Bearer proxy-secret-do-not-leak"}


@pytest.fixture
def team():
    team = make_team()
    make_fleet_runner(
        team, ("rgthree-comfy",), nodes={"KSampler": ""}, vram_free=40 * GIB, name="a",
        base_url="http://10.9.8.7:8188", headers=SECRET_HEADER,
    )  # fmt: skip
    make_fleet_runner(team, (), comfyui="0.3.60", name="b", base_url="http://10.9.8.6:8188")
    make_fleet_runner(team, ("rgthree-comfy",), name="c", base_url="http://10.9.8.5:8188")
    return team


def answers(team) -> dict[str, object]:
    workflow = parse((FIXTURES / "workflows" / "workflow-api-blur.json").read_bytes())
    return {
        "matrix": matrix_for(team, MatrixQuery()).as_dict(),
        "finder": find(team, Query(min_vram_one=GIB)).as_dict(),
        "check": check(team, workflow).as_dict(),
        "drift": {pk: d.as_dict() for pk, d in drift.drift_for(team).items()},
    }


def test_every_answer_is_json(team):
    text = json.dumps(answers(team))

    assert '"lacks": ["rgthree-comfy"]' in text


def test_no_answer_names_a_runners_address_or_headers(team):
    text = json.dumps(answers(team))

    assert "10.9.8" not in text
    assert "proxy-secret" not in text
