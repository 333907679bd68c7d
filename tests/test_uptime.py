"""Availability arithmetic, and the log of status changes and outages."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from runners import polling
from runners.history import uptime
from runners.models import Runner, SnapshotRollup, StatusChange
from tests.bodies import serve_comfyui_cpu
from tests.factories import make_runner, make_snapshot, make_team

pytestmark = pytest.mark.django_db

NOW = 1_700_000_220  # 17 minutes into an hour, 2 into a five-minute bucket
HOUR = 3600
DAY = 86400


@pytest.fixture
def runner():
    return make_runner(make_team())


def fractions(found):
    return {runner_id: [each.fraction for each in windows] for runner_id, windows in found.items()}


def rollup(runner, ts, total, ok, span_s=HOUR):
    SnapshotRollup.objects.create(
        runner=runner, span_s=span_s, ts=ts - ts % span_s, total=total, ok=ok
    )


def test_availability_adds_up_hours_then_five_minutes_then_the_latest_fetches(runner):
    rollup(runner, NOW - 2 * HOUR, total=360, ok=350)
    rollup(runner, NOW - 10 * 60, total=30, ok=27, span_s=300)
    make_snapshot(runner, NOW - 60)
    make_snapshot(runner, NOW - 30, status="timeout")

    assert fractions(uptime.availability([runner.pk], [DAY], NOW)) == {runner.pk: [378 / 392]}


def test_rows_of_one_period_in_two_spans_count_once(runner):
    rollup(runner, NOW - 2 * HOUR, total=360, ok=360)
    rollup(runner, NOW - 2 * HOUR, total=30, ok=0, span_s=300)  # inside that hour

    assert fractions(uptime.availability([runner.pk], [DAY], NOW)) == {runner.pk: [1.0]}


def test_each_window_counts_only_the_fetches_inside_it(runner):
    rollup(runner, NOW - 3 * DAY, total=30, ok=0)
    rollup(runner, NOW - 20 * DAY, total=30, ok=15)
    rollup(runner, NOW - HOUR, total=30, ok=30)

    assert fractions(uptime.availability([runner.pk], [DAY, 7 * DAY, 30 * DAY], NOW)) == {
        runner.pk: [1.0, 30 / 60, 45 / 90]
    }


def test_a_runner_without_fetches_has_no_availability(runner):
    assert uptime.windows_for(runner.pk, NOW) == [("24 h", None), ("7 d", None), ("30 d", None)]


def test_availability_of_many_runners_takes_two_queries(runner):
    runners = [runner, *(make_runner(runner.team) for _ in range(4))]
    for each in runners:
        rollup(each, NOW - HOUR, total=10, ok=9)
        make_snapshot(each, NOW - 10)

    with CaptureQueriesContext(connection) as queries:
        found = uptime.availability([r.pk for r in runners], [DAY], NOW)

    assert len(queries) == 2
    assert fractions(found) == {r.pk: [10 / 11] for r in runners}


def change(runner, ts, status):
    StatusChange.objects.create(runner=runner, ts=ts, status=status)


def test_an_outage_lasts_from_going_down_until_coming_back(runner):
    change(runner, 1000, "ok")
    change(runner, 1100, "timeout")
    change(runner, 1160, "unreachable")
    change(runner, 1400, "ok")

    (outage,) = uptime.outages(runner.pk, now_ts=5000)

    assert (outage.start_ts, outage.end_ts, outage.seconds) == (1100, 1400, 300)
    assert outage.statuses == ("timeout", "unreachable")
    assert outage.ended_by == "ok"


def test_an_ongoing_outage_lasts_until_now_and_comes_first(runner):
    change(runner, 1000, "timeout")
    change(runner, 1100, "ok")
    change(runner, 2000, "upstream_error")

    latest, earlier = uptime.outages(runner.pk, now_ts=2600)

    assert (latest.start_ts, latest.end_ts, latest.seconds) == (2000, None, 600)
    assert (earlier.start_ts, earlier.end_ts) == (1000, 1100)


def test_pausing_a_failing_runner_ends_its_outage(runner):
    change(runner, 1000, "timeout")
    change(runner, 1500, "paused")

    (outage,) = uptime.outages(runner.pk, now_ts=9000)

    assert (outage.end_ts, outage.ended_by) == (1500, "paused")


@pytest.fixture
def switchable(httpserver):
    """A ComfyUI server whose answer the test switches between ok and 503."""
    httpserver.no_handler_status_code = 503
    return httpserver


def test_polling_logs_a_status_change_only_when_the_status_changes(switchable):
    runner = make_runner(make_team(), base_url=switchable.url_for(""), poll_interval=30)
    steps = [True, True, False, False, True]
    for i, up in enumerate(steps):
        switchable.clear_all_handlers()
        if up:
            serve_comfyui_cpu(switchable)
        with time_machine.travel(datetime.fromtimestamp(NOW + 31 * i, tz=UTC), tick=False):
            polling.refresh(Runner.objects.get(pk=runner.pk))

    logged = StatusChange.objects.filter(runner=runner).order_by("ts")
    assert list(logged.values_list("ts", "status")) == [
        (NOW, "ok"),
        (NOW + 62, "upstream_error"),
        (NOW + 124, "ok"),
    ]


def test_pausing_is_logged_as_a_status_change(runner):
    Runner.objects.filter(pk=runner.pk).update(paused=True)

    polling.refresh(Runner.objects.get(pk=runner.pk))

    assert list(StatusChange.objects.values_list("status", flat=True)) == ["paused"]


def test_the_status_log_merges_a_status_logged_twice_and_ends_with_the_current_one(runner):
    change(runner, 1000, "ok")
    change(runner, 1500, "ok")
    change(runner, 2000, "timeout")

    log = uptime.status_log(runner.pk, now_ts=3000, current=("ok", 2600))

    assert [(r.status, r.start_ts, r.end_ts, r.seconds) for r in log.runs] == [
        ("ok", 2600, None, 400),
        ("timeout", 2000, 2600, 600),
        ("ok", 1000, 2000, 1000),
    ]
    assert [(o.start_ts, o.end_ts, o.ended_by) for o in log.outages] == [(2000, 2600, "ok")]
