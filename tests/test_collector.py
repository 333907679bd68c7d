"""The collector: every due runner polled once per pass, however many collectors run."""

import os
import re
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.db import connection
from django.db.models import Count

from devtools.seeding import seed_fleet
from runners import polling
from runners.management.commands import collect
from runners.models import GpuSample, Heartbeat, Runner, RunnerState, Snapshot, Team
from runners.polling import background, budget, collector
from simulator import Fleet, SimulatorServer

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def fleet():
    """Eight direct runners on the simulator, bookmarked with a 30 s interval."""
    with SimulatorServer(Fleet.generate(managed=0, self_hosted=0, direct=8)) as server:
        team = Team.objects.create(name="Fleet", slug="fleet")
        seed_fleet(team, server.fleet.describe(server.base_url), poll_interval=30)
        yield server.fleet


def requests_per_runner(fleet):
    return {runner_id: fleet.requests_for(runner_id) for runner_id in fleet.runners}


def one_pass():
    with ThreadPoolExecutor(max_workers=4) as pool:
        result = collector.run_pass(pool, threading.Event())
        collector.close_connections(pool, 4)
    return result


def test_a_pass_polls_every_due_runner(fleet):
    result = one_pass()

    assert (result.due, result.ok, result.elsewhere) == (8, 8, 0)
    assert Snapshot.objects.count() == 8
    assert all(count > 0 for count in requests_per_runner(fleet).values())


def test_a_second_pass_within_the_interval_polls_nothing(fleet):
    one_pass()
    before = requests_per_runner(fleet)

    result = one_pass()

    assert result.due == 0
    assert requests_per_runner(fleet) == before


def test_paused_runners_are_not_polled(fleet):
    Runner.objects.update(paused=True)

    assert one_pass().due == 0
    assert not any(requests_per_runner(fleet).values())


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def start_collector(*args: str, **settings: str) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": database_url(), "EGRESS_ALLOW_LOOPBACK": "1", **settings}
    return subprocess.Popen(
        [sys.executable, "manage.py", "collect", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_runner_that_hangs_holds_up_no_other_runners_next_fetch(fleet, settings):
    settings.UPSTREAM_READ_TIMEOUT = settings.UPSTREAM_DEADLINE = 8
    Runner.objects.update(poll_interval=5)
    hung_id = next(iter(fleet.runners))
    fleet.set_mode(hung_id, "hang")
    stop = threading.Event()
    collecting = threading.Thread(target=collector.run, args=(4, stop), kwargs={"tick_s": 0.2})

    collecting.start()
    time.sleep(6.5)  # the healthy runners fall due again at 5 s; the hung fetch ends at 8 s
    fetches = dict(Snapshot.objects.values_list("runner").annotate(n=Count("pk")))
    stop.set()
    collecting.join()

    hung = Runner.objects.get(base_url__endswith=f"/{hung_id}")
    assert hung.pk not in fetches
    assert sorted(fetches.values()) == [2] * 7


def test_two_collector_processes_poll_each_due_runner_exactly_once(fleet):
    for runner in Runner.objects.all():
        polling.refresh(runner)  # the first fetch of a direct runner also takes its inventory
    fleet.reset_counters()
    RunnerState.objects.update(fetched_at=None)
    for runner in Runner.objects.all():
        polling.refresh(runner)  # one fetch each, to learn how many requests a fetch makes
    per_fetch = requests_per_runner(fleet)
    fleet.reset_counters()
    RunnerState.objects.update(fetched_at=None)
    # One snapshot per runner per second: the passes may fall in the second of the fetches above.
    Snapshot.objects.all().delete()
    GpuSample.objects.all().delete()
    fleet.set_latency(200)  # long enough for the two passes to overlap

    collectors = [start_collector("--once", "--workers", "2") for _ in range(2)]
    outputs = [process.communicate(timeout=60) for process in collectors]

    assert [process.returncode for process in collectors] == [0, 0], outputs
    assert all(" 0 failing," in err for _, err in outputs), outputs
    polled = [int(re.search(r"(\d+) ok", err)[1]) for _, err in outputs]
    assert sum(polled) == 8, outputs  # each counted by the collector that polled it
    assert requests_per_runner(fleet) == per_fetch
    fetches = Snapshot.objects.values("runner").annotate(n=Count("pk")).values_list("n", flat=True)
    assert list(fetches) == [1] * 8


def test_the_collector_stops_cleanly_on_sigterm(fleet):
    process = start_collector("--tick", "0.2")
    deadline = time.monotonic() + 30
    while not Snapshot.objects.exists() and time.monotonic() < deadline:
        time.sleep(0.1)

    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=30)

    assert process.returncode == 0, err
    assert "collect pass: 8 due" in err
    assert "collector stopped" in err


def test_the_collector_yields_the_cpu_to_pages(fleet):
    process = start_collector("--tick", "0.2")
    wait_for(Snapshot.objects.exists)
    niceness = os.getpriority(os.PRIO_PROCESS, process.pid)
    process.send_signal(signal.SIGTERM)
    process.communicate(timeout=30)

    assert niceness == os.getpriority(os.PRIO_PROCESS, 0) + collect.NICENESS


def wait_for(condition, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_collector_killed_mid_pass_loses_nothing_and_its_leases_expire(fleet):
    fleet.set_latency(1500)  # every fetch is still in flight when the collector dies
    short_lease = {"UPSTREAM_DEADLINE": "2"}  # leases last the deadline plus a margin
    doomed = start_collector("--workers", "8", **short_lease)
    wait_for(lambda: RunnerState.objects.filter(lease_until__isnull=False).count() == 8)

    doomed.kill()
    doomed.communicate()
    fleet.set_latency(0)
    successor = start_collector("--workers", "8", "--tick", "0.2", **short_lease)
    wait_for(lambda: Snapshot.objects.count() == 8)
    successor.send_signal(signal.SIGTERM)
    successor.communicate(timeout=30)

    assert not Snapshot.objects.values("runner").annotate(n=Count("pk")).filter(n__gt=1)
    assert set(RunnerState.objects.values_list("status", flat=True)) == {"ok"}
    assert not RunnerState.objects.filter(lease_until__isnull=False).exists()


def test_runners_the_rate_budget_holds_back_are_counted_as_held_back(comfycontrol):
    team = Team.objects.create(name="Managed", slug="managed")
    seed_fleet(team, comfycontrol.fleet.describe(comfycontrol.base_url), poll_interval=30)
    budget.pause(budget.comfycontrol_host())
    managed = Runner.objects.exclude(source=Runner.Source.DIRECT).count()

    result = one_pass()

    assert (result.held_back, result.elsewhere) == (managed, 0)


def test_a_pass_says_it_is_alive_so_pages_leave_refreshing_to_it(fleet):
    one_pass()

    assert Heartbeat.objects.filter(name=background.COLLECTOR).exists()
