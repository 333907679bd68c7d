"""The drift alert: once when a runner drifts, once when it matches again, if the team asks."""

import pytest

from runners.alerts import events, setup
from runners.intel import drift
from runners.intel.models import Baseline
from runners.models import Channel, Event, RuleSetting
from runners.units import now_ts
from tests.factories import make_fleet_runner, make_team

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    team = make_team()
    setup.create_channel(team, Channel.Kind.EMAIL, "ops", "ops@example.com")
    make_fleet_runner(team, ("rgthree-comfy",), name="alpha", slug="alpha")
    make_fleet_runner(team, ("rgthree-comfy",), name="beta", slug="beta")
    make_fleet_runner(team, (), name="gamma", slug="gamma")
    drift.update_team(team.pk)
    return team


def kinds() -> list[str]:
    return list(Event.objects.order_by("pk").values_list("kind", flat=True))


def test_the_drift_alert_is_off_unless_the_team_turns_it_on(team):
    events.judge_fleet(now_ts())

    assert kinds() == []


def test_a_drifting_runner_raises_one_event_naming_what_it_lacks(team):
    RuleSetting.objects.create(team=team, kind="drift", enabled=True)

    events.judge_fleet(now_ts())
    events.judge_fleet(now_ts())

    assert kinds() == ["runner.drifted"]
    event = Event.objects.get()
    assert event.summary == "gamma drifted: lacks rgthree-comfy."
    assert event.details == {"runner": "gamma", "drift": "lacks rgthree-comfy"}


def test_a_runner_that_matches_again_raises_its_end(team):
    RuleSetting.objects.create(team=team, kind="drift", enabled=True)
    events.judge_fleet(now_ts())

    # A baseline without packs: gamma matches it, the others have rgthree-comfy extra.
    Baseline.objects.create(team=team, packs=[], comfyui_min="0.3.0")
    drift.update_team(team.pk)
    events.judge_fleet(now_ts())

    assert sorted(kinds()) == ["runner.drift_resolved", *["runner.drifted"] * 3]
    resolved = Event.objects.get(kind="runner.drift_resolved")
    assert resolved.summary == "gamma matches the team's setup again."
