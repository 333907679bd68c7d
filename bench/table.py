"""The dashboard's table view over a large fleet: server time and queries of its first page.

    .venv/bin/python -m bench.table [--runners 5000] [--database-url postgres://…]

Creates a fresh database (a temporary PostgreSQL database when --database-url names a server,
else a temporary SQLite file), seeds one team with N runners whose state rows hold real stats
(a mix of 1-, 2- and 4-GPU runners, some failing), then times the first page of the table view,
the card view and a page poll with the test client: every render cold, then with the render
cache warm. Prints the figures as JSON. About a minute for 5,000 runners.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable
from urllib.parse import urlsplit

GIB = 1024**3
REPEATS = 30


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runners", type=int, default=5000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    run_in_fresh_database(_measure, args.runners, args.database_url)


def run_in_fresh_database(
    measure: Callable[[int], dict[str, object]], runners: int, database_url: str
) -> None:
    """Set Django up on a throwaway database and print `measure(runners)` as JSON."""
    with tempfile.TemporaryDirectory() as workdir, _database(database_url, workdir) as url:
        os.environ.update(
            DEBUG="0", SECRET_KEY="bench-only-" + uuid.uuid4().hex, ALLOWED_HOSTS="testserver",
            FIELD_ENCRYPTION_KEYS="dGVzdC1vbmx5LWZpZWxkLWtleS0wMDAwMDAwMDAwMDA=",
            DATABASE_URL=url, DJANGO_SETTINGS_MODULE="bench.bench_settings",
            BENCH_STATIC_ROOT=workdir, PAGE_REFRESH_WORKERS="0",
        )  # fmt: skip
        import django

        django.setup()
        from comfyweb.startup import settle

        settle()  # as comfyweb.wsgi does before a worker serves
        print(json.dumps(measure(runners), indent=2))


class _database:
    """A throwaway database: PostgreSQL when `url` names a server, else SQLite in `workdir`."""

    def __init__(self, url: str, workdir: str) -> None:
        self.server, self.workdir, self.name = url, workdir, f"bench_table_{os.getpid()}"

    def __enter__(self) -> str:
        if not self.server:
            return f"sqlite:///{self.workdir}/bench.sqlite3"
        parts = urlsplit(self.server)
        subprocess.run(
            ["createdb", "-h", parts.hostname, "-U", parts.username, self.name], check=True
        )
        return parts._replace(path=f"/{self.name}").geturl()

    def __exit__(self, *exc: object) -> None:
        from django.db import connections

        connections.close_all()
        if self.server:
            parts = urlsplit(self.server)
            subprocess.run(
                ["dropdb", "-h", parts.hostname, "-U", parts.username, "--if-exists", self.name],
                check=False,
            )


def _measure(runner_count: int) -> dict[str, object]:
    from django.conf import settings
    from django.core.cache import caches
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench.common import percentiles

    call_command("collectstatic", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)
    user = _seed(runner_count)
    client = Client()
    client.force_login(user)
    figures: dict[str, object] = {"runners": runner_count, "engine": connection.vendor}
    share_s = settings.DASHBOARD_POLL_SHARE_S
    pages = (("table", "/?view=table"), ("cards", "/"), ("poll 204", None), ("poll 204 read", None))
    for name, path in pages:
        url = path or _poll_url(client)
        # "poll 204" shares the rows of the poll before it (DASHBOARD_POLL_SHARE_S), as polls
        # of many viewers do; "poll 204 read" reads them itself, as a lone viewer's poll does.
        settings.DASHBOARD_POLL_SHARE_S = 0 if name == "poll 204 read" else share_s
        for cache in ("cold", "warm"):
            times = []
            for _ in range(REPEATS):
                if cache == "cold":
                    caches["cards"].clear()
                started = time.perf_counter()
                response = client.get(url, HTTP_HX_REQUEST="true" if path is None else "")
                times.append((time.perf_counter() - started) * 1000)
                assert response.status_code in (200, 204), response.status_code
            with CaptureQueriesContext(connection) as queries:
                client.get(url)
            figures[f"{name}, {cache}"] = {**percentiles(times), "queries": len(queries)}
    return figures


def _poll_url(client) -> str:
    import re

    page = client.get("/?view=table").content.decode()
    return re.search(r'id="poller"[^>]*hx-get="([^"]+)"', page).group(1).replace("&amp;", "&")


def _seed(count: int):
    from django.contrib.auth.models import User
    from django.utils import timezone

    from runners.models import Membership, Runner, RunnerState, Team
    from runners.polling.refresh import summary_columns
    from runners.stats import Device, RunnerStats
    from runners.status import Status

    team = Team.objects.create(name="Bench", slug="bench")
    user = User.objects.create_user("viewer")
    Membership.objects.create(user=user, team=team, role=Membership.Role.MEMBER)
    runners = Runner.objects.bulk_create(
        Runner(team=team, name=f"runner-{i:05}", slug=f"runner-{i:05}", source="direct",
               base_url=f"http://10.0.{i // 250}.{i % 250}:8188", poll_interval=30)
        for i in range(count)
    )  # fmt: skip
    now = timezone.now()
    states = []
    for i, runner in enumerate(runners):
        gpus = tuple(
            Device(type="cuda", model="NVIDIA A100-SXM4-80GB", index=g, vram_total=80 * GIB,
                   vram_free=(10 + (i * 7 + g * 13) % 70) * GIB)
            for g in range((1, 2, 4)[i % 3])
        )  # fmt: skip
        stats = RunnerStats(
            os="linux", ram_total=512 * GIB, ram_free=200 * GIB, devices=gpus,
            extensions=tuple(f"/extensions/pack{p}/main.js" for p in range(i % 40)),
            queue_running=i % 2, queue_pending=0,
        )  # fmt: skip
        failing = i % 50 == 0
        states.append(
            RunnerState(
                runner=runner,
                status=Status.TIMEOUT if failing else Status.OK,
                error_sentence="The runner did not answer in time." if failing else "",
                fetched_at=now,
                succeeded_at=now,
                down_since=now if failing else None,
                stats=stats.to_dict(),
                **summary_columns(stats),
            )
        )
    RunnerState.objects.bulk_create(states, batch_size=1000)
    _analyze()
    return user


def _analyze() -> None:
    """Table statistics, as autovacuum would have them: a fresh table has none."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


if __name__ == "__main__":
    main()
