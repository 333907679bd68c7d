"""The extension matrix, the baseline and drift in words."""

import pytest

from runners.intel import drift
from runners.intel.matrix import MatrixQuery, matrix_for
from runners.intel.models import Baseline, Software
from runners.models import SoftwareChange
from tests.factories import make_fleet_runner, make_team

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    team = make_team()
    make_fleet_runner(team, ("rgthree-comfy", "KJNodes"), name="a", slug="a")
    make_fleet_runner(team, ("rgthree-comfy", "KJNodes"), name="b", slug="b")
    make_fleet_runner(team, ("KJNodes", "Impact"), comfyui="0.3.60", name="c", slug="c")
    return team


def test_the_matrix_lists_packs_by_how_many_runners_have_them(team):
    matrix = matrix_for(team, MatrixQuery())

    assert [(row.name, row.count) for row in matrix.packs] == [
        ("KJNodes", 3), ("rgthree-comfy", 2), ("Impact", 1),
    ]  # fmt: skip
    assert matrix.packs[1].cells == (True, True, False)


def test_the_matrix_filters_by_pack_and_runner(team):
    matrix = matrix_for(team, MatrixQuery(pack="rgth", runner="c"))

    assert [m.name for m in matrix.runners] == ["c"]
    assert [(row.name, row.cells) for row in matrix.packs] == []


def test_without_a_baseline_a_runner_drifts_from_what_most_runners_have(team):
    drifts = drift.drift_for(team)
    runner_c = Software.objects.get(runner__name="c").runner_id

    assert list(drifts) == [runner_c]
    assert drifts[runner_c].sentence == "lacks rgthree-comfy; ComfyUI 0.3.60, team runs 0.3.64"


def test_without_a_baseline_a_pack_few_runners_have_is_not_drift(team):
    make_fleet_runner(team, ("rgthree-comfy", "KJNodes", "Rare"), name="d", slug="d")

    drifts = drift.drift_for(team)

    assert Software.objects.get(runner__name="d").runner_id not in drifts


def test_a_saved_baseline_decides_what_is_lacking(team):
    Baseline.objects.create(team=team, packs=["KJNodes"], comfyui_min="0.3.60")

    drifts = drift.drift_for(team)

    sentences = {Software.objects.get(pk=pk).runner.name: d.sentence for pk, d in drifts.items()}
    assert sentences == {
        "a": "has extra rgthree-comfy",
        "b": "has extra rgthree-comfy",
        "c": "has extra Impact",
    }


def test_a_baseline_runner_never_drifts_from_itself(team):
    runner_c = Software.objects.get(runner__name="c").runner
    Baseline.objects.create(team=team, runner=runner_c)

    drifts = drift.drift_for(team)

    assert runner_c.pk not in drifts
    assert "lacks Impact" in next(iter(drifts.values())).sentence


def test_drift_links_to_the_change_that_caused_it(team):
    runner_c = Software.objects.get(runner__name="c").runner
    SoftwareChange.objects.create(
        runner=runner_c, ts=1_700_000_000, kind="pack", item="rgthree-comfy", before="installed"
    )

    drift.update_team(team.pk)

    stored = Software.objects.get(runner=runner_c)
    assert stored.drift.startswith("lacks rgthree-comfy")
    assert stored.drift_change_ts == 1_700_000_000


def test_the_matrix_takes_the_same_queries_for_any_number_of_runners(
    team, django_assert_num_queries
):
    for n in range(20):
        make_fleet_runner(team, ("rgthree-comfy", f"pack-{n}"))

    with django_assert_num_queries(1):
        matrix_for(team, MatrixQuery())


def test_an_empty_baseline_leaves_the_majority_to_decide(team):
    Baseline.objects.create(team=team)

    drifts = drift.drift_for(team)

    assert [d.expected.source for d in drifts.values()] == ["most of the team's runners"]
