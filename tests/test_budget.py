"""The ComfyControl rate budget, shared by every thread and process through the database."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from devtools.seeding import seed_fleet
from runners import polling
from runners.models import Runner, RunnerState, Team
from runners.polling import budget
from simulator import Fleet, SimulatorServer
from tests.factories import make_runner, make_team

pytestmark = pytest.mark.django_db(transaction=True)

HAMMER_S = 11  # longer than ComfyControl's 10 s window


@pytest.fixture
def big_fleet(settings):
    with SimulatorServer(Fleet.generate(managed=60, self_hosted=60, direct=0)) as server:
        settings.COMFYCONTROL_API_URL = server.base_url
        team = Team.objects.create(name="Big", slug="big")
        seed_fleet(team, server.fleet.describe(server.base_url), poll_interval=5)
        yield server


def hammer(seconds: float, threads: int) -> int:
    """Refresh every runner over and over from several threads; returns how many refreshes ran."""
    stop_at = time.monotonic() + seconds
    runner_ids = list(Runner.objects.values_list("pk", flat=True))
    done = []

    def worker(offset: int) -> None:
        try:
            i = offset
            while time.monotonic() < stop_at:
                polling.refresh(Runner.objects.get(pk=runner_ids[i % len(runner_ids)]), force=True)
                i += threads
                done.append(1)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(worker, range(threads)))
    return len(done)


def test_hammering_refreshes_never_crosses_comfycontrols_limit(big_fleet):
    refreshes = hammer(HAMMER_S, threads=8)

    assert refreshes > 100
    assert big_fleet.fleet.comfycontrol_window_max(10) <= 40
    assert big_fleet.fleet.count_429() == 0


def test_the_budget_allows_a_burst_then_a_steady_rate(settings):
    settings.COMFYCONTROL_BUDGET_PER_10S = 36
    host = "budget.test"

    allowed = sum(1 for _ in range(20) if budget.acquire(host) == 0)

    assert allowed == budget.BURST


def test_a_refused_request_is_told_how_long_to_wait():
    host = "wait.test"
    for _ in range(budget.BURST):
        budget.acquire(host)

    wait = budget.acquire(host)

    assert 0 < wait <= 10 / 32


def test_a_poll_that_the_budget_refuses_writes_nothing():
    runner = make_runner(make_team(), source=Runner.Source.MANAGED)
    RunnerState.objects.create(runner=runner)
    while budget.acquire(budget.comfycontrol_host()) == 0:
        pass

    with CaptureQueriesContext(connection) as queries:
        state = polling.refresh(runner)

    assert state.fetched_at is None
    assert [q["sql"] for q in queries if not q["sql"].startswith("SELECT")] == []


def test_a_429_pauses_every_call_to_that_host(comfycontrol):
    team = Team.objects.create(name="T", slug="t")
    seed_fleet(team, comfycontrol.fleet.describe(comfycontrol.base_url))
    first, second = Runner.objects.exclude(source="direct")[:2]
    comfycontrol.fleet.set_comfycontrol_mode("status:429")

    assert polling.refresh(first).status == "rate_limited"
    comfycontrol.fleet.set_comfycontrol_mode("ok")
    before = comfycontrol.fleet.comfycontrol_window_max(60)
    state = polling.refresh(second)

    assert comfycontrol.fleet.comfycontrol_window_max(60) == before
    assert state.status == "pending"
    assert budget.acquire(budget.comfycontrol_host()) >= 9


def test_threads_share_one_budget(settings):
    settings.COMFYCONTROL_BUDGET_PER_10S = 36
    host = "threads.test"
    allowed = []
    lock = threading.Lock()

    def take(_):
        try:
            if budget.acquire(host) == 0:
                with lock:
                    allowed.append(1)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(take, range(40)))

    assert len(allowed) <= budget.BURST + 1
