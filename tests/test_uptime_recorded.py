"""Uptime counts whatever was recorded, whichever rollup jobs have run, and says how much of
its window was observed."""

from datetime import UTC, datetime

import pytest
import time_machine

from runners import polling
from runners.history import retention, rollups, uptime
from runners.models import Runner
from tests.bodies import serve_comfyui_cpu
from tests.factories import make_runner, make_snapshot, make_team

pytestmark = pytest.mark.django_db

HOUR = 3600
DAY = 86400
MIDNIGHT = 1_700_006_400  # a UTC midnight
INTERVAL = 30


@pytest.fixture
def switchable(httpserver):
    httpserver.no_handler_status_code = 503
    return httpserver


def poll(runner, server, since_ts, until_ts, up=lambda ts: True):
    """Refresh the runner every INTERVAL from since_ts until until_ts; returns (ok, total)."""
    ok = total = 0
    for ts in range(since_ts, until_ts, INTERVAL):
        server.clear_all_handlers()
        if up(ts):
            serve_comfyui_cpu(server)
        with time_machine.travel(datetime.fromtimestamp(ts, tz=UTC), tick=False):
            polling.refresh(Runner.objects.get(pk=runner.pk))
        ok, total = ok + up(ts), total + 1
    return ok, total


def day_uptime(runner, now_ts):
    (found,) = uptime.availability([runner.pk], [DAY], now_ts)[runner.pk]
    return found.ok, found.total


@pytest.fixture
def runner(switchable):
    return make_runner(make_team(), base_url=switchable.url_for(""), poll_interval=INTERVAL)


def down_every_fifth(ts):
    return ts // INTERVAL % 5 != 0


def test_fetches_before_an_hour_boundary_count_without_any_rollup_job(runner, switchable):
    expected = poll(runner, switchable, MIDNIGHT - 20 * 60, MIDNIGHT + 10 * 60, down_every_fifth)

    assert day_uptime(runner, MIDNIGHT + 10 * 60) == expected


def test_fetches_across_a_day_boundary_count_without_any_rollup_job(runner, switchable):
    expected = poll(runner, switchable, MIDNIGHT - 2 * HOUR, MIDNIGHT + HOUR, down_every_fifth)

    assert day_uptime(runner, MIDNIGHT + HOUR) == expected


def test_fetches_count_once_after_the_hourly_rollup_job(runner, switchable):
    expected = poll(runner, switchable, MIDNIGHT - 2 * HOUR, MIDNIGHT + HOUR, down_every_fifth)
    rollups.roll_up_all(MIDNIGHT + HOUR)

    assert day_uptime(runner, MIDNIGHT + HOUR) == expected


def test_fetches_count_once_after_prune_between_two_runs_of_the_job(runner, switchable):
    first = poll(runner, switchable, MIDNIGHT - 2 * HOUR, MIDNIGHT, down_every_fifth)
    retention.prune(MIDNIGHT)
    second = poll(runner, switchable, MIDNIGHT, MIDNIGHT + 90 * 60, down_every_fifth)

    assert day_uptime(runner, MIDNIGHT + 90 * 60) == (first[0] + second[0], first[1] + second[1])


def test_uptime_after_48_seconds_says_what_was_observed(runner, switchable):
    poll(runner, switchable, MIDNIGHT, MIDNIGHT + 48)
    week = uptime.availability([runner.pk], [7 * DAY], MIDNIGHT + 48)[runner.pk][0]

    assert week.fraction == 1.0
    assert week.observed_from_ts == MIDNIGHT


def test_a_runner_never_reached_reads_zero_of_what_was_observed(runner, switchable):
    poll(runner, switchable, MIDNIGHT, MIDNIGHT + 5 * 60, up=lambda ts: False)
    month = uptime.availability([runner.pk], [30 * DAY], MIDNIGHT + 5 * 60)[runner.pk][0]

    assert (month.fraction, month.observed_from_ts) == (0.0, MIDNIGHT)


def test_a_runner_recorded_before_the_window_was_observed_all_of_it(runner):
    make_snapshot(runner, MIDNIGHT - 2 * DAY)
    make_snapshot(runner, MIDNIGHT)

    (day,) = uptime.availability([runner.pk], [DAY], MIDNIGHT + 60)[runner.pk]

    assert (day.total, day.observed_from_ts) == (1, None)


def test_a_runner_with_nothing_recorded_has_no_uptime(runner):
    assert uptime.availability([runner.pk], [DAY], MIDNIGHT) == {}
