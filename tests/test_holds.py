"""No request spent on what cannot answer: refused tokens, runners not found, runners gone."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from runners import polling
from runners.forms import ApiTokenForm
from runners.models import ApiToken, Runner, RunnerState
from runners.polling import budget, holds
from runners.polling.importer import import_runners
from runners.status import Status
from runners.upstream import errors
from tests.factories import make_runner, make_team, make_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def bookmarks(comfycontrol):
    """Bookmarks of the simulated fleet's self-hosted and managed runners, by token."""

    def bookmark(secret: str) -> list[Runner]:
        team = make_team()
        token = make_token(team, secret=secret)
        return [
            make_runner(team, source=kind, comfycontrol_id=sim.id, token=token)
            for kind in ("self_hosted", "managed")
            for sim in comfycontrol.fleet.of_kind(kind)
        ]

    return bookmark


def requests_to(comfycontrol) -> int:
    return comfycontrol.fleet.stats()["requests"]["comfycontrol"]


def refresh_all(runners: list[Runner]) -> None:
    for runner in runners:
        polling.refresh(Runner.objects.select_related("token", "state").get(pk=runner.pk))


def test_a_refused_token_stops_every_runner_it_covers(comfycontrol, bookmarks):
    first, *others = bookmarks("cfc_sim_expired")
    refresh_all([first])
    sent = requests_to(comfycontrol)

    refresh_all(others)

    assert requests_to(comfycontrol) == sent
    assert {s.status for s in RunnerState.objects.all()} == {Status.UNAUTHORIZED}


def test_a_plan_without_managed_runners_stops_only_the_managed_ones(comfycontrol, bookmarks):
    runners = bookmarks("cfc_sim_free")
    managed = [r for r in runners if r.source == "managed"]
    refresh_all(managed[:1])

    refresh_all(runners)

    states = dict(RunnerState.objects.values_list("runner__source", "status").distinct())
    assert states == {"managed": Status.FORBIDDEN, "self_hosted": Status.OK}


def test_a_refused_token_is_probed_by_one_runner_an_hour(comfycontrol, bookmarks):
    first, *others = bookmarks("cfc_sim_expired")
    refresh_all([first])
    sent = requests_to(comfycontrol)

    with time_machine.travel(timezone.now() + timedelta(minutes=61)):
        refresh_all(others)

    assert requests_to(comfycontrol) == sent + 1


def test_a_new_token_lifts_the_refusal(comfycontrol, bookmarks):
    runners = bookmarks("cfc_sim_expired")[:4]  # the budget's burst: all four fetch at once
    refresh_all(runners[:1])
    token = ApiToken.objects.get()
    form = ApiTokenForm(
        {"team": token.team_id, "label": token.label, "secret": "cfc_sim_pro"}, instance=token
    )
    form.is_valid()
    form.save()

    with time_machine.travel(timezone.now() + timedelta(seconds=31)):
        refresh_all(runners)

    assert {s.status for s in RunnerState.objects.filter(runner__in=runners)} == {Status.OK}


@pytest.mark.parametrize(
    ("previous_s", "expected_s"), [(0, 60), (60, 120), (1800, 3600), (3600, 3600)]
)
def test_not_found_doubles_the_wait_up_to_an_hour(previous_s, expected_s):
    assert holds.backoff_after(errors.NotFound(), 30, previous_s) == expected_s


def test_any_other_outcome_ends_the_wait():
    assert holds.backoff_after(errors.Timeout(), 30, 1800) == 0


def test_a_runner_not_found_is_not_asked_again_before_its_wait(comfyui, settings):
    comfyui.clear()
    comfyui.no_handler_status_code = 404  # no ComfyUI at this address
    runner = make_runner(make_team(), base_url=comfyui.url_for("/").rstrip("/"), poll_interval=30)
    polling.refresh(runner)
    asked = len(comfyui.log)

    with time_machine.travel(timezone.now() + timedelta(seconds=45)):
        polling.refresh(Runner.objects.select_related("state").get(pk=runner.pk))

    assert len(comfyui.log) == asked
    assert RunnerState.objects.get(pk=runner.pk).backoff_s == 60


def test_runners_that_cannot_answer_do_not_stretch_others_intervals(comfycontrol, bookmarks):
    refused = bookmarks("cfc_sim_expired")
    healthy = bookmarks("cfc_sim_pro")
    refresh_all(refused[:1])

    assert set(holds.polled_comfycontrol_runners()) == set(healthy)


def test_an_import_marks_runners_no_longer_listed_as_removed_upstream(comfycontrol):
    team = make_team()
    token = make_token(team, secret="cfc_sim_pro")
    import_runners(token)
    gone = make_runner(team, source="managed", comfycontrol_id="long-gone", token=token)
    RunnerState.objects.create(runner=gone, status=Status.OK)

    result = import_runners(token)
    gone.refresh_from_db()

    assert result.removed == 1
    assert gone.removed_at is not None
    assert RunnerState.objects.get(pk=gone.pk).status == Status.REMOVED
    assert not polling.is_due(Runner.objects.select_related("state", "token").get(pk=gone.pk))


def test_a_runner_listed_again_is_polled_again(comfycontrol):
    token = make_token(make_team(), secret="cfc_sim_pro")
    import_runners(token)
    Runner.objects.update(removed_at=timezone.now())

    import_runners(token)

    assert not Runner.objects.filter(removed_at__isnull=False).exists()


def test_an_import_told_to_wait_pauses_every_call_to_comfycontrol(comfycontrol):
    comfycontrol.fleet.set_comfycontrol_mode("status:429")
    token = make_token(make_team(), secret="cfc_sim_pro")

    with pytest.raises(errors.RateLimited):
        import_runners(token)

    assert budget.wait_s(budget.comfycontrol_host()) > 9
