"""Collector benchmark: full passes over 1,000 simulated direct runners that answer in 100 ms.

    .venv/bin/python -m bench.collector                  # SQLite, a pool of 64
    .venv/bin/python -m bench.collector --workers 16 32 64
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python -m bench.collector

The simulator runs in its own process (bench.common); passes run here exactly as
`manage.py collect` runs them. Budget (DESIGN.md): one full pass ≤ 10 s on 2 cores.
Figures go to bench/results/collector.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from bench import common

RESULTS = common.BENCH / "results"
INTERVAL_S = 10
PASS_LINE = re.compile(r"collect pass: \d+ due, (?P<ok>\d+) ok, .* in (?P<seconds>[\d.]+) s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runners", type=int, default=1000)
    parser.add_argument("--latency-ms", type=int, default=100)
    parser.add_argument("--workers", type=int, nargs="+", default=[64])
    parser.add_argument("--passes", type=int, default=3, help="steady passes per pool size")
    parser.add_argument(
        "--processes",
        type=int,
        default=0,
        help="also time steady passes of this many `collect --once` processes side by side",
    )
    options = parser.parse_args()
    common.install_signal_exit()
    figures = run(options)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "collector.json").write_text(json.dumps(figures, indent=2))
    return 0


def run(options: argparse.Namespace) -> dict[str, Any]:
    counts = {"managed": 0, "self_hosted": 0, "direct": options.runners}
    with common.workspace(counts, options.latency_ms, seed=0) as space:
        sim = space.sim
        common.setup_django(space.app_env())
        _bookmark(sim)
        database = space.database_url.partition(":")[0]
        print(f"{options.runners} direct runners at {options.latency_ms} ms, {database}:")
        count = options.runners
        passes = [_timed_pass(sim, count, options.workers[0], "first")]  # first fetches
        for workers in options.workers:
            for _ in range(options.passes):
                passes.append(_timed_pass(sim, count, workers, "steady"))
            passes.append(_timed_pass(sim, count, workers, "rolling up"))
        env = space.app_env() | {"LOG_LEVEL": "INFO"}
        shared = [
            _shared_pass(sim, env, count, options.processes, options.workers[0])
            for _ in range(options.passes if options.processes > 1 else 0)
        ]
    return {
        "runners": options.runners,
        "latency_ms": options.latency_ms,
        "passes": passes,
        "shared_passes": shared,
    }


def _shared_pass(
    sim: common.Simulator, env: dict[str, str], count: int, processes: int, workers: int
) -> dict[str, Any]:
    """Several `manage.py collect --once` processes at once, each logging its own pass."""
    from runners.polling import collector

    while len(collector.due_runners()) < count:
        time.sleep(0.5)
    sim.post("/_sim/reset-counters")
    command = [common.PYTHON, "manage.py", "collect", "--once", "--workers", str(workers)]
    children = [
        subprocess.Popen(command, cwd=common.ROOT, env=env, stderr=subprocess.PIPE, text=True)
        for _ in range(processes)
    ]
    lines = [PASS_LINE.search(child.communicate(timeout=120)[1]) for child in children]
    seconds = [float(line["seconds"]) for line in lines if line]
    ok = [int(line["ok"]) for line in lines if line]
    requests = sim.get("/_sim/stats")["requests"]["comfyui"]
    print(
        f"  {processes} collectors, {workers} workers each: passes of "
        f"{', '.join(f'{s:.2f}' for s in seconds)} s; ok {' + '.join(map(str, ok))}; "
        f"{requests} requests"
    )
    return {"processes": processes, "workers": workers, "seconds": seconds, "ok": ok,
            "requests": requests}  # fmt: skip


def _bookmark(sim: common.Simulator) -> None:
    from django.core.management import call_command

    from devtools.seeding import seed_fleet
    from runners.models import Team

    call_command("migrate", verbosity=0)
    team = Team.objects.create(name="Bench", slug="bench")
    seed_fleet(team, sim.get("/_sim/fleet"), poll_interval=INTERVAL_S)


def _timed_pass(sim: common.Simulator, count: int, workers: int, kind: str) -> dict[str, Any]:
    """One pass over every runner, once all of them are due.

    "steady": the previous fetch was one interval ago, as when a collector keeps up;
    "rolling up": it was an hour ago, so every fetch also rolls up a five-minute bucket and
    an hour, the most a fetch ever does.
    """
    from django.utils import timezone

    from runners.models import RunnerState
    from runners.polling import collector

    if kind == "rolling up":
        RunnerState.objects.update(fetched_at=timezone.now() - timedelta(hours=1))
    while len(collector.due_runners()) < count:
        time.sleep(0.5)
    sim.post("/_sim/reset-counters")
    cpu_before = common.cpu_seconds(os.getpid()), common.cpu_seconds(sim.process.pid)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        started = time.monotonic()
        result = collector.run_pass(pool, threading.Event())
        seconds = time.monotonic() - started
        collector.close_connections(pool, workers)
    collector_cpu = common.cpu_seconds(os.getpid()) - cpu_before[0]
    simulator_cpu = common.cpu_seconds(sim.process.pid) - cpu_before[1]
    requests = sim.get("/_sim/stats")["requests"]["comfyui"]
    print(
        f"  {kind:>10}, {workers:3} workers: {seconds:5.2f} s, {result.ok} ok, "
        f"{result.failing} failing, {requests} requests; "
        f"CPU collector {collector_cpu:.1f} s, simulator {simulator_cpu:.1f} s"
    )
    return {
        "kind": kind,
        "workers": workers,
        "seconds": round(seconds, 2),
        "due": result.due,
        "ok": result.ok,
        "failing": result.failing,
        "requests": requests,
        "collector_cpu_s": round(collector_cpu, 1),
        "simulator_cpu_s": round(simulator_cpu, 1),
    }


if __name__ == "__main__":
    raise SystemExit(main())
