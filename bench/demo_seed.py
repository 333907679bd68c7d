"""How long `make demo` takes to seed its week of history: python -m bench.demo_seed.

The demo's fleet (13 runners) is bookmarked in a fresh database (SQLite in a temporary folder,
or beside DATABASE_URL when that is PostgreSQL) and a week of history is seeded, rollups
included, as `manage.py demo` does on its first start.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from bench.common import FIELD_KEY, fresh_database, setup_django

DEMO_FLEET = {"managed": 4, "self_hosted": 3, "direct": 6, "seed": 1}  # as manage.py demo


def main() -> None:
    with tempfile.TemporaryDirectory() as workdir, fresh_database(Path(workdir)) as url:
        setup_django(
            {
                "DJANGO_SETTINGS_MODULE": "comfyweb.settings",
                "DATABASE_URL": url,
                "SECRET_KEY": "bench-only-secret-key",
                "FIELD_ENCRYPTION_KEYS": FIELD_KEY,
                "ALLOWED_HOSTS": "testserver",
                "LOG_LEVEL": "WARNING",
            }
        )
        from django.core.management import call_command

        from devtools.history import seed_history, shapes_for
        from devtools.seeding import seed_fleet
        from runners.models import GpuSample, SnapshotRollup, Team
        from runners.units import now_ts
        from simulator import Fleet

        call_command("migrate", verbosity=0)
        fleet = Fleet.generate(**DEMO_FLEET)
        team = Team.objects.create(name="Demo team", slug="demo")
        seed_fleet(team, fleet.describe("http://127.0.0.1:8189"))
        started = time.perf_counter()
        snapshots = seed_history(shapes_for(team, fleet), now_ts())
        seconds = time.perf_counter() - started
        print(
            f"{url.split(':')[0]}: {snapshots:,} snapshots, {GpuSample.objects.count():,} GPU "
            f"samples, {SnapshotRollup.objects.count():,} rollups for 13 runners in {seconds:.1f} s"
        )


if __name__ == "__main__":
    main()
