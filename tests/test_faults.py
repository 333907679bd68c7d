"""Faults: nothing is lost, no snapshot is duplicated, no lease stays stuck, states stay clear."""

import sqlite3
import threading
import time
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from devtools.seeding import seed_fleet
from runners import polling
from runners.models import Runner, RunnerState, Snapshot
from tests.factories import make_direct_runner, make_team


def fresh(runner: Runner) -> Runner:
    return Runner.objects.select_related("state").get(pk=runner.pk)


@pytest.mark.django_db(transaction=True)
def test_a_refresh_waits_out_a_locked_sqlite_database(simulator):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's database-wide write lock")
    runner = make_direct_runner(simulator)
    locked = threading.Event()

    def hold_the_write_lock() -> None:
        other = sqlite3.connect(connection.settings_dict["NAME"])
        other.execute("BEGIN IMMEDIATE")
        locked.set()
        time.sleep(1.5)
        other.rollback()
        other.close()

    holder = threading.Thread(target=hold_the_write_lock)
    holder.start()
    locked.wait()
    state = polling.refresh(runner)
    holder.join()

    assert state.status == "ok"
    assert Snapshot.objects.filter(runner=runner).count() == 1


@pytest.mark.django_db
@pytest.mark.usefixtures("short_deadline")
def test_a_flapping_runner_gets_one_snapshot_per_fetch_and_a_clear_state_each_time(simulator):
    runner = make_direct_runner(simulator, poll_interval=5)
    sim_id = simulator.fleet.of_kind("direct")[0].id
    seen = []
    start = timezone.now()
    for step, mode in enumerate(["ok", "status:500", "ok", "hang", "ok", "garbage"]):
        simulator.fleet.set_mode(sim_id, mode)
        with time_machine.travel(start + timedelta(seconds=6 * step), tick=False):
            seen.append(polling.refresh(fresh(runner)).status)

    assert seen == ["ok", "upstream_error", "ok", "timeout", "ok", "bad_response"]
    assert Snapshot.objects.filter(runner=runner).count() == 6
    assert fresh(runner).state.stats is not None


@pytest.mark.django_db
@pytest.mark.usefixtures("short_deadline")
def test_a_storm_of_503s_and_429s_leaves_every_runner_in_a_clear_state(comfycontrol):
    seed_fleet(make_team(), comfycontrol.fleet.describe(comfycontrol.base_url))
    comfycontrol.fleet.set_comfycontrol_mode("status:503")
    for runner in Runner.objects.exclude(source="direct")[:3]:
        polling.refresh(runner)
    comfycontrol.fleet.set_comfycontrol_mode("status:429")
    for runner in Runner.objects.exclude(source="direct"):
        polling.refresh(fresh(runner))

    statuses = set(
        RunnerState.objects.exclude(runner__source="direct").values_list("status", flat=True)
    )
    assert statuses <= {"upstream_error", "rate_limited", "pending"}
    assert comfycontrol.fleet.stats()["statuses"]["comfycontrol"].get("429") == 1


@pytest.mark.django_db
def test_a_clock_jumping_back_neither_duplicates_a_snapshot_nor_freezes_the_runner(simulator):
    runner = make_direct_runner(simulator)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        polling.refresh(runner)

    with time_machine.travel(start - timedelta(hours=1), tick=False):
        state = polling.refresh(fresh(runner))
    with time_machine.travel(start, tick=False):
        RunnerState.objects.filter(pk=runner.pk).update(fetched_at=None)
        polling.refresh(fresh(runner))  # the same second as the first snapshot

    assert state.status == "ok"
    assert Snapshot.objects.filter(runner=runner).count() == 2


@pytest.mark.django_db
def test_a_lease_stamped_before_the_clock_went_back_does_not_hold_the_runner(simulator):
    runner = make_direct_runner(simulator)
    RunnerState.objects.create(runner=runner, lease_until=timezone.now() + timedelta(hours=1))

    assert polling.refresh(fresh(runner)).status == "ok"
