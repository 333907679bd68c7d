"""The simulator's direct runners serve node inventories and model lists that differ."""

import json

import pytest

from runners.intel import drift
from runners.intel.compat import check
from runners.intel.models import Software
from runners.intel.workflow import parse
from runners.polling.refresh import refresh
from simulator.inventory import PACK_NODES
from tests.factories import make_runner, make_team

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(simulator):
    team = make_team()
    for sim_runner in simulator.fleet.of_kind("direct"):
        refresh(
            make_runner(
                team,
                base_url=simulator.direct_base_url(sim_runner.id),
                headers=dict(sim_runner.headers),
            )
        )
    return team


def test_every_direct_runner_gets_a_node_inventory(team):
    rows = Software.objects.filter(runner__team=team)

    assert rows.count() == 4
    assert all(row.has_inventory for row in rows), [row.inventory_error for row in rows]


def test_a_pack_without_front_end_files_shows_through_the_inventory(team):
    rows = Software.objects.filter(runner__team=team)

    hidden = [row for row in rows if "ComfyUI-GGUF" in row.packs]
    assert hidden
    assert all("ComfyUI-GGUF" not in row.packs_with_files for row in hidden)


def test_runners_differ_in_drift_and_in_what_they_can_run(team):
    rows = list(Software.objects.filter(runner__team=team))
    some_have = next(
        pack
        for pack in PACK_NODES
        if 0 < sum(pack in row.packs for row in rows) < len(rows) and PACK_NODES[pack]
    )
    workflow = {"1": {"class_type": PACK_NODES[some_have][0], "inputs": {}}}

    verdicts = check(team, parse(json.dumps(workflow).encode())).verdicts

    assert {v.nodes_ok for v in verdicts} == {True, False}
    assert drift.drift_for(team)
