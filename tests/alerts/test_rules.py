"""Rules turn what fetches find into events, in the fetch's own transaction."""

from datetime import timedelta

import pytest

from runners.alerts import events, setup
from runners.models import Channel, Event, RuleSetting, Runner
from runners.polling import refresh
from runners.units import GIB, now_ts
from tests.factories import make_direct_runner, make_runner, make_team, make_token

pytestmark = pytest.mark.django_db


def test_a_runner_down_for_longer_than_the_rule_raises_one_down_event(watched):
    watched.fetch("ok")
    for _ in range(6):
        watched.fetch("status:500")

    assert watched.kinds() == ["runner.down"]
    event = Event.objects.get()
    assert event.runner == watched.runner
    assert "is down" in event.summary


def test_a_short_outage_raises_nothing(watched):
    watched.fetch("ok")
    watched.fetch("status:500")
    watched.fetch("status:500")
    watched.fetch("ok")

    assert watched.kinds() == []


def test_recovery_after_a_down_alert_raises_up(watched):
    watched.fetch("ok")
    for _ in range(4):
        watched.fetch("status:500")
    watched.fetch("ok")

    assert watched.kinds() == ["runner.down", "runner.up"]


def test_a_runner_flapping_five_times_in_ten_minutes_raises_one_flapping_event(watched):
    watched.fetch("ok")
    for _ in range(5):
        watched.fetch("status:500")
        watched.fetch("ok")

    assert watched.kinds() == ["runner.flapping"]


def test_after_ten_steady_minutes_a_flapped_runner_alerts_as_usual(watched):
    watched.fetch("ok")
    for _ in range(3):
        watched.fetch("status:500")
        watched.fetch("ok")
    watched.fetch("ok", after_s=11 * 60)
    for _ in range(4):
        watched.fetch("status:500")

    assert watched.kinds() == ["runner.flapping", "runner.down"]


def test_a_rule_turned_off_for_one_runner_raises_nothing_for_it(watched):
    setup.set_runner_rule(watched.runner, "down", "off")
    watched.fetch("ok")
    for _ in range(6):
        watched.fetch("status:500")

    assert watched.kinds() == []


def test_the_teams_minutes_decide_when_down_is_alerted(watched):
    RuleSetting.objects.create(team=watched.runner.team, kind="down", enabled=True, minutes=10)
    watched.fetch("ok")
    for _ in range(6):
        watched.fetch("status:500")

    assert watched.kinds() == []


def test_a_paused_runner_raises_nothing(watched):
    watched.fetch("ok")
    watched.runner.paused = True
    watched.runner.save()
    watched.simulator.fleet.set_mode(watched.sim_id, "status:500")
    for minute in range(1, 7):
        watched.traveller.move_to(watched.now + timedelta(minutes=minute))
        refresh(Runner.objects.get(pk=watched.runner.pk))

    assert watched.kinds() == []


def test_a_pack_added_raises_a_software_change(watched):
    watched.fetch("ok")
    sim_runner = watched.simulator.fleet.runner(watched.sim_id)
    sim_runner.extensions = (*sim_runner.extensions, "/extensions/ComfyUI-NewPack/main.js")
    watched.fetch("ok")

    event = Event.objects.get()
    assert event.kind == "runner.software_changed"
    assert "ComfyUI-NewPack added" in event.summary
    assert event.details["changes"][0]["item"] == "ComfyUI-NewPack"


def test_free_vram_low_on_every_gpu_for_the_rules_minutes_raises_then_recovers(watched):
    RuleSetting.objects.create(
        team=watched.runner.team, kind="vram_low", enabled=True, minutes=3, gib=8
    )
    fleet = watched.simulator.fleet
    watched.fetch("ok")
    for index in range(8):
        fleet.set_vram_free(watched.sim_id, index, 2 * GIB)
    for _ in range(4):
        watched.fetch("ok")
    for index in range(8):
        fleet.set_vram_free(watched.sim_id, index, 40 * GIB)
    watched.fetch("ok")

    assert watched.kinds() == ["runner.vram_low", "runner.vram_ok"]


def test_a_team_without_a_channel_gets_no_events(simulator):
    runner = make_direct_runner(simulator, "status:500")
    refresh(runner)

    assert not Event.objects.exists()


def test_a_refused_token_raises_one_event_for_the_team(comfycontrol):
    team = make_team()
    setup.create_channel(team, Channel.Kind.EMAIL, "ops", "ops@example.com")
    token = make_token(team, secret="cfc_sim_expired", label="main")
    managed = comfycontrol.fleet.of_kind("managed")
    for sim_runner in managed[:2]:
        runner = make_runner(team, source="managed", comfycontrol_id=sim_runner.id, token=token)
        refresh(runner)

    event = Event.objects.get()
    assert event.kind == "team.token_rejected"
    assert "“main”" in event.summary
    assert "cfc_sim_expired" not in str(event.details)


def test_intervals_stretched_by_the_rate_budget_raise_one_event_then_its_end(
    comfycontrol, settings
):
    settings.COMFYCONTROL_BUDGET_PER_10S = 5  # one request every 10 s for the deployment
    team = make_team()
    setup.create_channel(team, Channel.Kind.EMAIL, "ops", "ops@example.com")
    sim_runner = comfycontrol.fleet.of_kind("managed")[0]
    runner = make_runner(team, source="managed", comfycontrol_id=sim_runner.id, poll_interval=5)

    events.judge_fleet(now_ts())
    events.judge_fleet(now_ts())
    assert list(Event.objects.values_list("kind", flat=True)) == ["team.budget_stretched"]

    runner.poll_interval = 60
    runner.save()
    events.judge_fleet(now_ts())
    assert Event.objects.filter(kind="team.budget_normal").count() == 1
