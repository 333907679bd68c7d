"""The one list of runner states: every state means something, and every filter finds it."""

import pytest

from runners.forms import DashboardFilterForm
from runners.models import Runner, RunnerState
from runners.status import DISPLAY_ONLY, GROUPS, Status
from runners.upstream import errors
from tests.factories import make_runner, make_team

STORED = [status for status in Status if status not in DISPLAY_ONLY]
TONES = {"ok", "neutral", "warn", "bad"}


def _filtered(group: str) -> set[str]:
    form = DashboardFilterForm({"status": group}, teams=[])
    return set(form.apply(Runner.objects.all()).values_list("state__status", flat=True))


@pytest.mark.parametrize("status", list(Status))
def test_every_state_has_a_label_a_tone_and_a_group(status):
    assert status.label
    assert status.tone in TONES
    assert status.group in GROUPS


@pytest.mark.parametrize("status", [s for s in Status if s != Status.OK])
def test_every_state_but_ok_has_a_sentence(status):
    assert status.sentence.endswith((".", "…"))


@pytest.mark.parametrize("status", [s for s in Status if s.is_failing])
def test_a_failing_state_looks_bad(status):
    assert status.tone == "bad"


@pytest.mark.django_db
@pytest.mark.parametrize("status", STORED)
def test_every_stored_state_is_found_by_its_groups_filter_and_no_other(status):
    team = make_team()
    RunnerState.objects.create(runner=make_runner(team), status=status)

    assert {group for group in GROUPS if status in _filtered(group)} == {status.group}


@pytest.mark.django_db
def test_a_paused_runner_is_only_in_the_paused_filter():
    team = make_team()
    RunnerState.objects.create(runner=make_runner(team, paused=True), status=Status.TIMEOUT)

    assert [group for group in GROUPS if _filtered(group)] == ["paused"]


@pytest.mark.parametrize(
    "error",
    [
        cls
        for cls in vars(errors).values()
        if isinstance(cls, type) and issubclass(cls, errors.UpstreamError)
    ],
)
def test_every_upstream_error_leads_to_a_failing_state_with_a_sentence(error):
    raised = error()

    assert raised.code.is_failing
    assert raised.sentence
