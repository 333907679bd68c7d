"""History benchmark: 30 days of 10 s snapshots, then chart, rollup, uptime and prune figures.

Every runner is a direct one with a queue, so charts have all their panels.

    .venv/bin/python -m bench.history                  # 50 runners, 2 GPUs each, 30 days, SQLite
    .venv/bin/python -m bench.history --runners 5      # quicker; the charted runner is the same
    .venv/bin/python -m bench.history --database-url postgres://postgres@127.0.0.1/bench_history

Runs in-process against a fresh database (SQLite: bench/results/history.sqlite3, deleted at
the end unless --keep). Charts are timed through Django's middleware and template stack with
the test client, as the htmx range switch asks for them. Figures go to
bench/results/history.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DAY, STEP_S, GPUS = 86400, 10, 2
GIB = 1024**3
REPEAT = 15


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runners", type=int, default=50)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--database-url", default=f"sqlite:///{RESULTS / 'history.sqlite3'}")
    parser.add_argument("--keep", action="store_true", help="keep the SQLite file")
    options = parser.parse_args()
    RESULTS.mkdir(exist_ok=True)
    path = _fresh_database(options.database_url)
    try:
        figures = run(options.runners, options.days)
    finally:
        if path and not options.keep:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
    (RESULTS / "history.json").write_text(json.dumps(figures, indent=2))
    print(f"\nFigures in {RESULTS / 'history.json'}")
    return 0


def _fresh_database(url: str) -> str | None:
    """Point Django at `url` and migrate it; returns the SQLite file, if it is one."""
    os.environ.update(
        DATABASE_URL=url,
        SECRET_KEY="bench-only-secret-key",
        FIELD_ENCRYPTION_KEYS="YmVuY2gtb25seS1maWVsZC1rZXktMDAwMDAwMDAwMDA=",
        ALLOWED_HOSTS="testserver",
        LOG_LEVEL="WARNING",
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "comfyweb.settings")
    path = url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else None
    if path:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    return path


def run(runner_count: int, days: int) -> dict[str, Any]:
    from django.utils import timezone

    now_ts = int(timezone.now().timestamp())
    runner_ids, user = _bookmarks(runner_count)
    figures: dict[str, Any] = {"runners": runner_count, "gpus": GPUS, "days": days}
    figures["seed"] = _timed_seed(runner_ids, now_ts - days * DAY, now_ts)
    figures["storage_raw"] = _storage()
    figures["rollups"] = _rollups(runner_ids, now_ts)
    figures["storage_rollups"] = _storage()
    _copy_rollups_back(runner_ids[0], days, 90)
    figures["charts"] = _charts(runner_ids[0], user, now_ts)
    figures["raw_30d_query_ms"] = _raw_month_query(runner_ids[0], now_ts)
    figures["uptime"] = _uptime(runner_ids, now_ts)
    figures["prune"] = _prune(now_ts)
    figures["storage_after_prune"] = _storage()
    return figures


def _bookmarks(count: int) -> tuple[list[int], Any]:
    from runners.models import Membership, Runner, Team
    from tests.factories import make_user

    team = Team.objects.create(name="Bench", slug="bench")
    user = make_user("bench")
    Membership.objects.create(user=user, team=team, role=Membership.Role.VIEWER)
    runners = Runner.objects.bulk_create(
        Runner(
            team=team,
            name=f"Runner {i}",
            slug=f"runner-{i}",
            source=Runner.Source.DIRECT,
            base_url=f"http://10.0.0.{i % 250 + 1}:8188",
            poll_interval=STEP_S,
        )
        for i in range(count)
    )
    return [runner.pk for runner in runners], user


# --- seeding ---------------------------------------------------------------------------------


def _timed_seed(runner_ids: list[int], start_ts: int, end_ts: int) -> dict[str, Any]:
    from django.db import connection, transaction

    print(f"Seeding {len(runner_ids)} runners, {(end_ts - start_ts) // DAY} days at {STEP_S} s…")
    started = time.perf_counter()
    snapshots = 0
    with connection.cursor() as cursor:
        for day_start in range(start_ts, end_ts, DAY):
            rows, gpu_rows = _day(runner_ids, day_start, min(day_start + DAY, end_ts))
            with transaction.atomic():
                _insert(cursor, "runners_snapshot", SNAPSHOT_COLUMNS, rows)
                _insert(cursor, "runners_gpusample", GPU_COLUMNS, gpu_rows)
            snapshots += len(rows)
    seconds = time.perf_counter() - started
    print(f"  {snapshots:,} snapshots in {seconds:.0f} s")
    return {"snapshots": snapshots, "seconds": round(seconds, 1)}


SNAPSHOT_COLUMNS = (
    "runner_id", "ts", "status", "ram_used", "ram_total", "latency_ms", "queue_depth"
)  # fmt: skip
GPU_COLUMNS = ("runner_id", "ts", "gpu", "vram_used", "vram_total")


def _day(runner_ids: list[int], start_ts: int, end_ts: int) -> tuple[list[tuple], list[tuple]]:
    """One day of polls, interleaved across runners as a collector writes them."""
    rng = random.Random(start_ts)
    rows, gpu_rows = [], []
    outages = {rid: _outage(rng, start_ts) for rid in runner_ids}
    for ts in range(start_ts, end_ts, STEP_S):
        for rid in runner_ids:
            down_from, down_until = outages[rid]
            if down_from <= ts < down_until:
                rows.append((rid, ts, "timeout", None, None, None, None))
                continue
            load = 0.5 + 0.4 * ((ts // 3600 + rid) % 24) / 24
            rows.append((rid, ts, "ok", int(64 * GIB * load) + rng.randrange(GIB), 64 * GIB,
                         rng.randrange(20, 200), rng.randrange(4)))  # fmt: skip
            gpu_rows.extend(
                (rid, ts, gpu, int(80 * GIB * load) - gpu * GIB + rng.randrange(GIB), 80 * GIB)
                for gpu in range(GPUS)
            )
    return rows, gpu_rows


def _outage(rng: random.Random, day_start: int) -> tuple[int, int]:
    """A runner is down for up to half an hour on about one day in three."""
    if rng.random() > 0.33:
        return (0, 0)
    start = day_start + rng.randrange(DAY)
    return (start, start + rng.randrange(60, 1800))


def _insert(cursor: Any, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    placeholders = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})"  # noqa: S608
    cursor.executemany(sql, rows)


def _copy_rollups_back(runner_id: int, days: int, total_days: int) -> None:
    """Give the charted runner `total_days` of rollups, repeating those built from raw rows."""
    from runners.models import GpuRollup, SnapshotRollup

    for model in (SnapshotRollup, GpuRollup):
        fields = [f.attname for f in model._meta.concrete_fields if not f.primary_key]
        rows = list(model.objects.filter(runner_id=runner_id).values(*fields))
        model.objects.bulk_create(
            (
                model(**{**row, "ts": row["ts"] - shift * days * DAY})
                for shift in range(1, -(-total_days // days))
                for row in rows
            ),
            batch_size=2000,
            ignore_conflicts=True,  # the oldest bucket built from raw rows, shifted onto itself
        )


# --- measurements ----------------------------------------------------------------------------


def _storage() -> dict[str, Any]:
    """Bytes per row of each history table, its indexes included (SQLite's dbstat)."""
    from django.db import connection

    from runners.models import GpuRollup, GpuSample, Snapshot, SnapshotRollup

    if connection.vendor != "sqlite":
        return _pg_storage()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT m.tbl_name, SUM(d.pgsize) FROM dbstat d JOIN sqlite_schema m "
            "ON d.name = m.name GROUP BY m.tbl_name"
        )
        sizes = dict(cursor.fetchall())
        cursor.execute("PRAGMA page_count")
        pages = cursor.fetchone()[0]
        cursor.execute("PRAGMA page_size")
        page_size = cursor.fetchone()[0]
    result: dict[str, Any] = {"file_mb": round(pages * page_size / 1e6, 1)}
    for model in (Snapshot, GpuSample, SnapshotRollup, GpuRollup):
        rows = model.objects.count()
        size = sizes.get(model._meta.db_table, 0)
        result[model._meta.db_table] = {
            "rows": rows,
            "mb": round(size / 1e6, 1),
            "bytes_per_row": round(size / rows, 1) if rows else None,
        }
    return result


def _pg_storage() -> dict[str, Any]:
    from django.db import connection

    from runners.models import GpuRollup, GpuSample, Snapshot, SnapshotRollup

    result = {}
    with connection.cursor() as cursor:
        for model in (Snapshot, GpuSample, SnapshotRollup, GpuRollup):
            table = model._meta.db_table
            cursor.execute("SELECT pg_total_relation_size(%s)", [table])
            size = cursor.fetchone()[0]
            rows = model.objects.count()
            result[table] = {
                "rows": rows,
                "mb": round(size / 1e6, 1),
                "bytes_per_row": round(size / rows, 1) if rows else None,
            }
    return result


def _rollups(runner_ids: list[int], now_ts: int) -> dict[str, Any]:
    from runners.history import rollups
    from runners.models import Snapshot

    print("Building rollups…")
    seconds, count = _once(lambda: rollups.roll_up_all(now_ts))
    print(f"  {count:,} rollups (five minutes and hours) in {seconds:.1f} s")
    _interleave_rollups()
    # One runner's next five-minute bucket, rolled up as polling does when a fetch opens one.
    runner_id = runner_ids[0]
    next_ts = rollups.next_unrolled(runner_id, rollups.FIVE_MINUTES)
    Snapshot.objects.create(runner_id=runner_id, ts=next_ts + rollups.FIVE_MINUTES, status="ok")
    incremental, _ = _once(
        lambda: rollups.after_fetch(runner_id, next_ts, next_ts + rollups.FIVE_MINUTES)
    )
    return {
        "rollups": count,
        "build_all_s": round(seconds, 1),
        "incremental_one_bucket_ms": round(incremental * 1000, 2),
    }


def _interleave_rollups() -> None:
    """Store rollups in time order across runners, as polling writes them, not runner by runner.

    Built in one go they would sit together per runner, and charts would read them faster than
    they ever will in production.
    """
    from django.db import connection, transaction

    from runners.models import GpuRollup, SnapshotRollup

    with transaction.atomic(), connection.cursor() as cursor:
        for model in (SnapshotRollup, GpuRollup):
            table = model._meta.db_table
            columns = ", ".join(f.column for f in model._meta.concrete_fields if not f.primary_key)
            order = "ts, span_s, runner_id"
            cursor.execute(f"CREATE TEMP TABLE shuffled AS SELECT {columns} FROM {table}")  # noqa: S608
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608
            cursor.execute(
                f"INSERT INTO {table} ({columns}) SELECT {columns} FROM shuffled ORDER BY {order}"  # noqa: S608
            )
            cursor.execute("DROP TABLE shuffled")


def _charts(runner_id: int, user: Any, now_ts: int) -> dict[str, Any]:
    from django.test import Client

    from runners.history import trends
    from runners.models import Runner

    client = Client()
    client.force_login(user)
    runner = Runner.objects.get(pk=runner_id)
    url = f"/runners/{runner.team.slug}/{runner.slug}/"
    figures = {}
    print("Charts (ms: p50 / p95 of", REPEAT, "runs):")
    for key, trend_range in trends.RANGES.items():
        query = _times(lambda tr=trend_range: trends.trend(runner_id, tr, STEP_S, now_ts))
        trend = trends.trend(runner_id, trend_range, STEP_S, now_ts)
        render = _times(lambda t=trend: str(t.chart))
        response = client.get(url, {"range": key}, headers={"HX-Request": "true"})
        view = _times(lambda k=key: client.get(url, {"range": k}, headers={"HX-Request": "true"}))
        figures[key] = {
            "points_per_series": len(trend.availability.points),
            "query_ms": query,
            "svg_ms": render,
            "view_ms": view,
            "response_bytes": len(response.content),
        }
        print(
            f"  {key:>4}: query {query['p50']:6.1f} / {query['p95']:6.1f}  "
            f"svg {render['p50']:5.1f}  view {view['p50']:6.1f} / {view['p95']:6.1f}  "
            f"{len(response.content):,} B  {len(trend.availability.points)} points"
        )
    return figures


def _raw_month_query(runner_id: int, now_ts: int) -> dict[str, float]:
    """What a 30-day chart would cost read from raw snapshots: why long ranges use rollups."""
    from runners.history import buckets

    start = now_ts - 30 * DAY
    return _times(
        lambda: (
            buckets.snapshots(runner_id, start, now_ts, 14400),
            buckets.gpu_samples(runner_id, start, now_ts, 14400),
        ),
        repeat=3,
    )


def _uptime(runner_ids: list[int], now_ts: int) -> dict[str, Any]:
    from runners.history import uptime

    cards = _times(lambda: uptime.availability(runner_ids, [uptime.DAY], now_ts))
    page = _times(lambda: uptime.windows_for(runner_ids[0], now_ts))
    print(f"Uptime: every card's 24 h {cards['p50']:.1f} ms; a runner page's {page['p50']:.1f} ms")
    return {"cards_24h_ms": cards, "runner_page_ms": page}


def _prune(now_ts: int) -> dict[str, Any]:
    from runners.history import retention

    print("Pruning raw snapshots past 7 days…")
    backlog_s, deleted = _once(lambda: retention.prune(now_ts))
    print(
        f"  {deleted['snapshots']:,} snapshots and {deleted['gpu samples']:,} GPU samples "
        f"in {backlog_s:.0f} s"
    )
    hourly_s, hourly = _once(lambda: retention.prune(now_ts + 3600))
    print(f"  an hour later: {hourly['snapshots']:,} snapshots in {hourly_s:.1f} s")
    return {
        "backlog_s": round(backlog_s, 1),
        "backlog_deleted": deleted,
        "hourly_s": round(hourly_s, 2),
        "hourly_deleted": hourly,
    }


def _once(call: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = call()
    return time.perf_counter() - started, result


def _times(call: Callable[[], Any], repeat: int = REPEAT) -> dict[str, float]:
    call()  # warm caches the way a second viewer finds them
    samples = sorted(_once(call)[0] * 1000 for _ in range(repeat))
    return {
        "p50": round(statistics.median(samples), 2),
        "p95": round(samples[min(len(samples) - 1, int(0.95 * len(samples)))], 2),
    }


if __name__ == "__main__":
    sys.exit(main())
