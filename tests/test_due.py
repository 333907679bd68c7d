"""Which runners the collector reads each pass: every due one, and not those fetched lately."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from runners import polling
from runners.models import Runner, RunnerState
from tests.factories import make_runner, make_team

pytestmark = pytest.mark.django_db

CC = Runner.Source.SELF_HOSTED
STRETCHED = {"source": CC, "poll_interval": 5}  # the budget below stretches it to 10 s

# (what the runner is like, its fields, its state's fields with `ago` in seconds, due)
CASES = [
    ("never fetched, no state row", {}, None, True),
    ("a state row but never fetched", {}, {}, True),
    ("fetched a third of its interval ago", {}, {"ago": 10}, False),
    ("fetched just inside the slack", {}, {"ago": 29.5}, True),
    ("fetched a whole interval ago", {}, {"ago": 31}, True),
    ("a five-second runner fetched five seconds ago", {"poll_interval": 5}, {"ago": 5}, True),
    ("backing off after a 404", {}, {"ago": 100, "backoff_s": 120}, False),
    ("at the end of its backoff", {}, {"ago": 121, "backoff_s": 120}, True),
    ("ComfyControl, inside the budget's stretched interval", STRETCHED, {"ago": 7}, False),
    ("ComfyControl, past the budget's stretched interval", STRETCHED, {"ago": 11}, True),
    ("fetched in the future: the clock went back", {}, {"ago": -3600}, True),
    ("paused", {"paused": True}, {"ago": 100}, False),
    ("removed upstream", {"source": CC, "removed_at": timezone.now()}, {"ago": 100}, False),
]


@pytest.fixture(autouse=True)
def stretched_budget(settings):
    """One ComfyControl request per 10 s beyond the burst: a runner's interval stretches to 10 s."""
    settings.COMFYCONTROL_BUDGET_PER_10S = 5
    cache.delete("comfycontrol_interval_floor")


def runner_like(fields: dict, state: dict | None) -> Runner:
    fields = {"poll_interval": 30, **fields}
    runner = make_runner(make_team(), **fields)
    if state is not None:
        state = dict(state)
        ago = state.pop("ago", None)
        fetched_at = None if ago is None else timezone.now() - timedelta(seconds=ago)
        RunnerState.objects.create(runner=runner, status="ok", fetched_at=fetched_at, **state)
    return Runner.objects.select_related("state", "token").get(pk=runner.pk)


@pytest.mark.parametrize(("_", "fields", "state", "due"), CASES, ids=[case[0] for case in CASES])
def test_the_database_filter_keeps_a_runner_exactly_when_it_is_due(_, fields, state, due):
    runner = runner_like(fields, state)

    kept = polling.maybe_due(Runner.objects.filter(pk=runner.pk), timezone.now()).exists()

    assert (polling.is_due(runner), kept) == (due, due)


def test_a_runner_whose_lease_is_held_is_kept_for_is_due_to_refuse():
    runner = runner_like({}, {"ago": 100, "lease_until": timezone.now() + timedelta(seconds=5)})

    kept = polling.maybe_due(Runner.objects.filter(pk=runner.pk), timezone.now()).exists()

    assert (kept, polling.is_due(runner)) == (True, False)
