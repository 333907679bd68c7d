"""The capacity finder: conditions, ranking by fit, and why nothing matched."""

import pytest
from django.http import QueryDict

from runners.intel.finder import find
from runners.intel.forms import FinderForm
from runners.models import Runner
from runners.units import GIB
from tests.factories import make_fleet_runner, make_team

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    team = make_team()
    make_fleet_runner(team, ("Impact",), vram_free=50 * GIB, name="big", slug="big", tags="prod")
    make_fleet_runner(team, ("Impact",), vram_free=70 * GIB, idle=False, name="busy", slug="busy")
    make_fleet_runner(team, (), vram_free=45 * GIB, name="plain", slug="plain")
    make_fleet_runner(team, ("Impact",), vram_free=8 * GIB, name="small", slug="small")
    return team


def search(team, query: str):
    form = FinderForm(QueryDict(query))
    return find(team, form.query())


def test_results_are_ranked_by_most_free_vram_on_one_gpu(team):
    found = search(team, "vram=40")

    assert [m.name for m in found.matches] == ["busy", "big", "plain"]


def test_every_condition_applies(team):
    found = search(team, "vram=40&packs=Impact&idle=on&tag=prod&up=on")

    assert [m.name for m in found.matches] == ["big"]


def test_an_empty_result_names_the_condition_that_excluded_the_most(team):
    found = search(team, "vram=60&packs=Impact&idle=on")

    assert found.matches == []
    assert found.worst == ("free VRAM on one GPU ≥ 60 GiB", 3)


def test_node_classes_match_only_where_an_inventory_lists_them(team):
    make_fleet_runner(team, ("Impact",), nodes={"FaceDetailer": "Impact"}, name="inv", slug="inv")

    found = search(team, "nodes=FaceDetailer")

    assert [m.name for m in found.matches] == ["inv"]


def test_a_bad_condition_is_an_error_on_its_field():
    form = FinderForm(QueryDict("vram=lots&comfyui_min=newest&source=" + Runner.Source.DIRECT))

    assert not form.is_valid()
    assert set(form.errors) == {"vram", "comfyui_min"}


def test_a_version_range_the_wrong_way_round_is_refused():
    form = FinderForm(QueryDict("comfyui_min=0.3.64&comfyui_max=0.3.10"))

    assert form.errors["comfyui_max"]


def test_the_finder_takes_the_same_queries_for_any_number_of_runners(
    team, django_assert_num_queries
):
    for _ in range(20):
        make_fleet_runner(team, ("Impact",), vram_free=GIB)

    with django_assert_num_queries(2):
        search(team, "vram=1&nodes=FaceDetailer&packs=Impact")
