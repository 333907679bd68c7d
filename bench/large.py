"""A large fleet: 5,000 direct runners, two collectors sharing them, and the table view meanwhile.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python -m bench.large [--runners 5000] [--interval 60] [--intervals 3]

The simulator and two `manage.py collect` processes run beside this one, which times the
dashboard's table view (first page, a member of the team) with the test client every two
seconds while the collectors work. Once every runner has been fetched, it counts each runner's
snapshots over the next `--intervals` intervals: budget (DESIGN.md) is once per interval for
every runner, and the table view's p95 ≤ 50 ms with queries constant. Figures go to
bench/results/large.json.
"""

from __future__ import annotations

import argparse
import json
import time
from contextlib import ExitStack
from itertools import pairwise
from typing import Any

from bench import common

RESULTS = common.BENCH / "results"
COLLECTORS = 2


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runners", type=int, default=5000)
    parser.add_argument("--interval", type=int, default=60, help="every runner's poll interval")
    parser.add_argument("--intervals", type=int, default=3, help="intervals counted")
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--workers", type=int, default=32, help="concurrent fetches per collector")
    options = parser.parse_args()
    common.install_signal_exit()
    figures = run(options)
    print(json.dumps(figures, indent=2))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "large.json").write_text(json.dumps(figures, indent=2))
    return 0


def run(options: argparse.Namespace) -> dict[str, Any]:
    with common.workspace({"direct": options.runners}, options.latency_ms, seed=0) as space:
        env = space.app_env()
        common.setup_django(env)
        client = _prepare(space.sim, options.interval)
        command = [common.PYTHON, "manage.py", "collect", "--workers", str(options.workers)]
        with ExitStack() as collectors:
            for number in range(COLLECTORS):
                log = space.workdir / f"collector-{number}.log"
                collectors.enter_context(common.child(command, log, env))
            first_fetches_s = _wait_for_first_fetches(options.runners)
            started = time.time()
            table = _time_table_view(client, started + options.intervals * options.interval)
        fetches = _fetches_per_runner(started, options.interval, options.intervals)
        return {
            "runners": options.runners,
            "engine": space.database_url.partition(":")[0],
            "collectors": COLLECTORS,
            "workers": options.workers,
            "interval_s": options.interval,
            "intervals": options.intervals,
            "first_fetches_s": round(first_fetches_s, 1),
            "fetches_per_runner": fetches,
            "table_view": table,
        }


def _prepare(sim: common.Simulator, interval: int):
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from devtools.seeding import seed_fleet
    from runners.models import Membership, Team

    call_command("collectstatic", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)
    team = Team.objects.create(name="Bench", slug="bench")
    seed_fleet(team, sim.get("/_sim/fleet"), poll_interval=interval)
    user = User.objects.create_user("viewer")
    Membership.objects.create(user=user, team=team, role=Membership.Role.MEMBER)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    client = Client(SERVER_NAME=common.HOST)
    client.force_login(user)
    return client


def _wait_for_first_fetches(count: int) -> float:
    """Seconds until every runner has been fetched once."""
    from runners.models import RunnerState

    started = time.monotonic()
    while RunnerState.objects.filter(fetched_at__isnull=False).count() < count:
        time.sleep(2)
    return time.monotonic() - started


def _time_table_view(client, until: float) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times, queries = [], set()
    while time.time() < until:
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get("/?view=table")
            times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"the table view answered {response.status_code}")
        queries.add(len(captured))
        time.sleep(2)
    return {**common.percentiles(times), "samples": len(times), "queries": sorted(queries)}


def _fetches_per_runner(started: float, interval: int, intervals: int) -> dict[str, Any]:
    """The gaps between each runner's fetches in the counted window: one interval each when
    every runner is fetched once per interval; none at all for a runner left out."""
    from runners.models import Runner, Snapshot

    end = int(started) + interval * intervals
    fetches: dict[int, list[int]] = {pk: [] for pk in Runner.objects.values_list("pk", flat=True)}
    rows = Snapshot.objects.filter(ts__gte=int(started), ts__lt=end).order_by("runner_id", "ts")
    for runner_id, ts in rows.values_list("runner_id", "ts"):
        fetches[runner_id].append(ts)
    gaps = [b - a for times in fetches.values() for a, b in pairwise(times)]
    return {
        "fetches": sum(map(len, fetches.values())),
        "runners_never_fetched": sum(not times for times in fetches.values()),
        "gap_s": common.percentiles(gaps, (1, 50, 95, 99, 100)),
        "gaps_over_1_5_intervals": sum(gap > 1.5 * interval for gap in gaps),
        "gaps_under_half_an_interval": sum(gap < interval / 2 for gap in gaps),
    }


if __name__ == "__main__":
    raise SystemExit(main())
