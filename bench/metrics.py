"""A Prometheus scrape of a team's /metrics: server time for N runners (budget: 1,000 ≤ 100 ms).

    .venv/bin/python -m bench.metrics [--runners 1000] [--database-url postgres://…]

Seeds one team as bench.table does (real stats in every state row: 1, 2 or 4 GPUs, up to 39
packs, some failing), makes an API key, then times GET /api/v1/metrics with the test client,
without and with pack series: wall time and this process's CPU time. Prints the figures as
JSON.
"""

from __future__ import annotations

import argparse
import time

from bench.table import _seed, run_in_fresh_database

REPEATS = 30


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runners", type=int, default=1000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    run_in_fresh_database(_measure, args.runners, args.database_url)


def _measure(runner_count: int) -> dict[str, object]:
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench.common import percentiles
    from runners.api import keys
    from runners.models import Team

    call_command("migrate", verbosity=0)
    user = _seed(runner_count)
    _, key = keys.create_api_key(Team.objects.get(), user, "bench")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    figures: dict[str, object] = {"runners": runner_count, "engine": connection.vendor}
    for name, params in (("scrape", {}), ("scrape with packs", {"packs": "true"})):
        times, cpu = [], []
        for _ in range(REPEATS):
            started, cpu_started = time.perf_counter(), time.process_time()
            response = client.get("/api/v1/metrics", params)
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - cpu_started) * 1000)
            assert response.status_code == 200, response.status_code
        with CaptureQueriesContext(connection) as queries:
            body = client.get("/api/v1/metrics", params).content
        figures[name] = {
            **percentiles(times),
            # CPU time of this process (the database's too, on SQLite): what a busy machine
            # inflates least.
            "cpu_ms": percentiles(cpu),
            "queries": len(queries),
            "bytes": len(body),
        }
    return figures


if __name__ == "__main__":
    main()
