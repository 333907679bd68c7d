"""Which runners can run a workflow: node inventories, packs, models, up, idle."""

import pytest

from runners.intel.compat import check
from runners.intel.workflow import parse
from runners.units import GIB
from tests.bodies import FIXTURES, load
from tests.factories import make_fleet_runner, make_team

pytestmark = pytest.mark.django_db

WORKFLOW = (FIXTURES / "workflows" / "user-ui-subgraph-rgthree.json").read_bytes()


def real_inventory() -> dict[str, str]:
    """The node classes of the real server with three packs, by pack."""
    info = load("comfyui-0.3.64-cpu-packs/object_info.json")
    module = "custom_nodes."
    return {
        name: node["python_module"].removeprefix(module)
        if node["python_module"].startswith(module)
        else ""
        for name, node in info.items()
    }


MODELS = {"checkpoints": ["sd_xl_base_1.0.safetensors"], "vae": ["sdxl_vae.safetensors"]}
PACKS = ("ComfyUI-Custom-Scripts", "rgthree-comfy", "Tiny Pack")


@pytest.fixture
def team():
    return make_team()


def verdicts(team):
    return {v.member.name: v for v in check(team, parse(WORKFLOW)).verdicts}


def test_a_runner_whose_inventory_has_every_class_and_model_can_run_it_now(team):
    make_fleet_runner(
        team, PACKS, nodes=real_inventory(), models=MODELS, name="full", vram_free=GIB
    )

    verdict = verdicts(team)["full"]

    assert verdict.nodes_ok and verdict.models_ok
    assert verdict.can_run_now


def test_a_runner_lacking_a_pack_is_told_which(team):
    make_fleet_runner(team, PACKS, nodes=real_inventory(), models=MODELS, name="full")
    nodes = {k: v for k, v in real_inventory().items() if v != "rgthree-comfy"}
    make_fleet_runner(team, PACKS[:1], nodes=nodes, models=MODELS, name="lean")

    verdict = verdicts(team)["lean"]

    assert verdict.nodes_ok is False
    assert verdict.lacking_packs == ("rgthree-comfy",)
    assert verdict.missing_nodes == ("Seed (rgthree)",)


def test_a_missing_model_file_means_it_cannot_run(team):
    models = {"checkpoints": ["other.safetensors"], "vae": ["sdxl_vae.safetensors"]}
    make_fleet_runner(team, PACKS, nodes=real_inventory(), models=models, name="nomodel")

    verdict = verdicts(team)["nomodel"]

    assert verdict.models_ok is False
    assert [m.name for m in verdict.missing_models] == ["sd_xl_base_1.0.safetensors"]


def test_without_an_inventory_the_teams_map_of_classes_to_packs_decides(team):
    make_fleet_runner(team, PACKS, nodes=real_inventory(), models=MODELS, name="full")
    make_fleet_runner(team, ("rgthree-comfy",), name="managed-with")
    make_fleet_runner(team, ("KJNodes",), name="managed-without")

    found = verdicts(team)

    assert found["managed-with"].nodes_ok is True
    assert found["managed-with"].models_ok is None
    assert found["managed-without"].nodes_ok is False
    assert found["managed-without"].lacking_packs == ("rgthree-comfy",)


def test_a_class_no_inventory_knows_is_unknown_with_the_reason(team):
    make_fleet_runner(team, ("rgthree-comfy",), name="alone")

    verdict = verdicts(team)["alone"]

    assert verdict.nodes_ok is None
    assert "no node inventory in the team lists" in verdict.unknown_reason


def test_a_busy_runner_can_run_it_but_not_now(team):
    make_fleet_runner(team, PACKS, nodes=real_inventory(), models=MODELS, name="busy", idle=False)

    verdict = verdicts(team)["busy"]

    assert verdict.can_run and not verdict.can_run_now


def test_the_check_takes_the_same_queries_for_any_number_of_runners(
    team, django_assert_num_queries
):
    for _ in range(10):
        make_fleet_runner(team, PACKS, nodes={"KSampler": ""}, models=MODELS)
    workflow = parse(WORKFLOW)

    with django_assert_num_queries(3):
        check(team, workflow)
