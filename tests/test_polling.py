"""polling.refresh against a real ComfyUI-like server on loopback."""

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from runners import polling
from runners.models import GpuSample, Runner, RunnerState, Snapshot
from tests.factories import make_runner, make_team


def stats_requests(server) -> int:
    return sum(1 for request, _ in server.log if request.path == "/api/system_stats")


@pytest.mark.django_db
def test_a_refresh_records_one_snapshot_and_the_state(comfyui):
    runner = make_runner(make_team(), base_url=comfyui.url_for(""))

    state = polling.refresh(runner)

    assert state.status == "ok"
    assert state.stats["comfyui_version"] == "0.3.64"
    assert Snapshot.objects.filter(runner=runner, status="ok").count() == 1
    assert GpuSample.objects.filter(runner=runner).count() == 0  # a CPU server: RAM only


@pytest.mark.django_db
def test_a_refresh_records_the_queue_depth_of_a_server_with_a_queue(comfyui):
    comfyui.expect_request("/api/queue").respond_with_json(
        {"queue_running": [[1, "a"]], "queue_pending": [[2, "b"], [3, "c"]]}
    )
    runner = make_runner(make_team(), base_url=comfyui.url_for(""))

    polling.refresh(runner)

    assert Snapshot.objects.get(runner=runner).queue_depth == 3


@pytest.mark.django_db
def test_a_runner_fetched_within_its_interval_is_not_fetched_again(comfyui):
    runner = make_runner(make_team(), base_url=comfyui.url_for(""), poll_interval=30)
    polling.refresh(runner)

    with time_machine.travel(timezone.now() + timedelta(seconds=20)):
        polling.refresh(runner)

    assert stats_requests(comfyui) == 1


@pytest.mark.django_db
def test_a_runner_is_fetched_again_after_its_interval(comfyui):
    runner = make_runner(make_team(), base_url=comfyui.url_for(""), poll_interval=30)
    polling.refresh(runner)

    with time_machine.travel(timezone.now() + timedelta(seconds=31)):
        polling.refresh(Runner.objects.get(pk=runner.pk))

    assert stats_requests(comfyui) == 2
    assert Snapshot.objects.filter(runner=runner).count() == 2


@pytest.mark.django_db
def test_a_poll_that_read_the_clock_before_another_fetch_committed_does_not_fetch_again(comfyui):
    runner = make_runner(make_team(), base_url=comfyui.url_for(""), poll_interval=30)
    RunnerState.objects.create(runner=runner)
    late = Runner.objects.select_related("state").get(pk=runner.pk)  # holds the unfetched state
    start = timezone.now()
    with time_machine.travel(start + timedelta(milliseconds=300), tick=False):
        polling.refresh(runner)  # another process, whose fetch is stamped after late's clock read

    with time_machine.travel(start, tick=False):
        polling.refresh(late)

    assert stats_requests(comfyui) == 1


@pytest.mark.django_db
def test_refresh_now_skips_the_interval_but_not_the_minimum_gap(comfyui):
    runner = make_runner(make_team(), base_url=comfyui.url_for(""), poll_interval=300)
    polling.refresh(runner)

    polling.refresh(runner, force=True)
    with time_machine.travel(timezone.now() + timedelta(seconds=6)):
        polling.refresh(runner, force=True)

    assert stats_requests(comfyui) == 2


@pytest.mark.django_db
def test_a_failure_is_recorded_as_a_state_and_a_snapshot(httpserver):
    httpserver.expect_request("/api/system_stats").respond_with_data("nope", status=503)
    runner = make_runner(make_team(), base_url=httpserver.url_for(""))

    state = polling.refresh(runner)

    assert state.status == "upstream_error"
    assert "HTTP 503" in state.error_sentence
    assert Snapshot.objects.get(runner=runner).status == "upstream_error"


@pytest.mark.django_db
def test_a_failure_keeps_the_last_good_stats(comfyui):
    runner = make_runner(make_team(), base_url=comfyui.url_for(""))
    polling.refresh(runner)
    comfyui.clear_all_handlers()

    with time_machine.travel(timezone.now() + timedelta(seconds=31)):
        state = polling.refresh(Runner.objects.get(pk=runner.pk))

    assert state.status == "not_found"
    assert state.stats["comfyui_version"] == "0.3.64"


@pytest.mark.django_db
def test_a_paused_runner_is_not_fetched(comfyui):
    runner = make_runner(make_team(), base_url=comfyui.url_for(""), paused=True)

    state = polling.refresh(runner)

    assert state.status == "paused"
    assert stats_requests(comfyui) == 0


@pytest.mark.django_db
def test_a_lease_left_by_a_dead_process_expires(comfyui):
    runner = make_runner(make_team(), base_url=comfyui.url_for(""))
    RunnerState.objects.create(runner=runner, lease_until=timezone.now() + timedelta(seconds=13))

    assert polling.refresh(Runner.objects.get(pk=runner.pk)).status == "pending"
    with time_machine.travel(timezone.now() + timedelta(seconds=14)):
        assert polling.refresh(Runner.objects.get(pk=runner.pk)).status == "ok"


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_pollers_cause_one_fetch_and_one_snapshot(comfyui):
    runner = make_runner(make_team(), base_url=comfyui.url_for(""))

    def poll(_):
        try:
            return polling.refresh(Runner.objects.get(pk=runner.pk)).status
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(poll, range(20)))

    assert stats_requests(comfyui) == 1
    assert Snapshot.objects.filter(runner=runner).count() == 1
    assert "ok" in statuses


@pytest.mark.django_db
def test_asking_whether_a_new_runner_is_due_writes_nothing():
    runner = make_runner(make_team())

    assert polling.is_due(runner)
    assert not RunnerState.objects.filter(pk=runner.pk).exists()
