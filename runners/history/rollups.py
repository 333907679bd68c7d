"""Rollups of five minutes (from raw snapshots) and of an hour (from five-minute rollups).

A fetch that opens a new five-minute bucket rolls up the runner's previous one, so rollups
exist without a collector. `roll_up_all` catches up every runner and builds the hour rollups,
a few queries for all runners at once; the collector runs it every hour, and prune before it
deletes anything. Charts read finer rows for whatever is not rolled up yet (trends.py).
A bucket rolled up twice keeps its first rollup.

Hour rollups pay for themselves: with runners' rows interleaved as polling writes them,
a 30-day chart took ~46 ms to read 26,000 five-minute rows on SQLite (docs/benchmarks.md).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.models import Manager, Model, OuterRef, QuerySet, Subquery

from runners.history import buckets
from runners.models import GpuRollup, Runner, Snapshot, SnapshotRollup
from runners.units import HOUR, MINUTE

FIVE_MINUTES = 5 * MINUTE
SPANS = (FIVE_MINUTES, HOUR)  # each built from the one before it (raw rows for the first)


def start_of(ts: int, span_s: int) -> int:
    return ts - ts % span_s


def settle_s() -> float:
    """How long a bucket may still receive snapshots after it ends.

    A snapshot is stamped when its fetch starts and written when the fetch ends.
    """
    return 2 * settings.UPSTREAM_DEADLINE


def after_fetch(runner_id: int, previous_ts: int | None, ts: int) -> None:
    """Roll up the five minutes of the previous fetch if the fetch at `ts` opens new ones.

    Under the lease the runner has one writer, so every earlier bucket was rolled up by an
    earlier fetch, and the previous fetch's bucket is complete now.
    """
    if previous_ts is not None and start_of(previous_ts, FIVE_MINUTES) < start_of(ts, FIVE_MINUTES):
        since, until = start_of(previous_ts, FIVE_MINUTES), start_of(ts, FIVE_MINUTES)
        _roll_up([runner_id], FIVE_MINUTES, since, until)


def roll_up_all(now_ts: int) -> int:
    """Roll up every finished bucket of every runner, of both spans; returns how many."""
    written = 0
    for span in SPANS:
        until = start_of(int(now_ts - settle_s()), span)
        for since, runner_ids in _runners_by_next_bucket(span).items():
            written += _roll_up(runner_ids, span, since, until)
    return written


@dataclass(frozen=True)
class Frontier:
    """Per span, the start of the first bucket after the runner's newest rollup (0 if none);
    and when its first recorded row (a rollup or a snapshot) starts."""

    next: dict[int, int]
    first_ts: int | None


def frontiers(runner_ids: Collection[int]) -> dict[int, Frontier]:
    """Each runner's Frontier, in one query of index seeks.

    Readers take each span's rollups before its frontier and finer rows after it, so that
    everything recorded counts once whichever rollup jobs have run.
    """
    seeks = {
        f"newest_{span}": _seek(SnapshotRollup.objects.filter(span_s=span), "-ts") for span in SPANS
    }
    seeks |= {
        f"first_{span}": _seek(SnapshotRollup.objects.filter(span_s=span), "ts") for span in SPANS
    }
    seeks["first_raw"] = _seek(Snapshot.objects, "ts")
    rows = Runner.objects.filter(pk__in=list(runner_ids)).annotate(**seeks).values("pk", *seeks)
    found = {}
    for row in rows:
        firsts = [ts for name, ts in row.items() if name.startswith("first_") and ts is not None]
        found[row["pk"]] = Frontier(
            {span: 0 if (ts := row[f"newest_{span}"]) is None else ts + span for span in SPANS},
            min(firsts, default=None),
        )
    return found


def _seek(rows: QuerySet | Manager, order: str) -> Subquery:
    return Subquery(rows.filter(runner=OuterRef("pk")).order_by(order).values("ts")[:1])


def next_unrolled(runner_id: int, span_s: int) -> int:
    """The start of the first bucket after the runner's newest rollup of span_s (0 if none)."""
    return frontiers([runner_id])[runner_id].next[span_s]


def partition(
    frontier: Frontier, since: int, until: int, coarsest: int | None = HOUR
) -> list[tuple[int | None, int, int]]:
    """[(source span, or None for raw rows; from; to)]: rows that cover since..until once,
    coarsest first (up to `coarsest`), each source from the frontier of the one before it."""
    sources = [] if coarsest is None else list(reversed(SPANS[: SPANS.index(coarsest) + 1]))
    parts: list[tuple[int | None, int, int]] = []
    for source in (*sources, None):
        to = until if source is None else min(until, max(since, frontier.next[source]))
        if since < to:
            parts.append((source, since, to))
        since = max(since, to)
    return parts


def _runners_by_next_bucket(span_s: int) -> dict[int, list[int]]:
    """Runners grouped by the first bucket they have no rollup for: mostly one group."""
    newest = SnapshotRollup.objects.filter(runner=OuterRef("pk"), span_s=span_s).order_by("-ts")
    runners = Runner.objects.annotate(newest=Subquery(newest.values("ts")[:1]))
    groups: defaultdict[int, list[int]] = defaultdict(list)
    for runner_id, ts in runners.values_list("pk", "newest"):
        groups[0 if ts is None else ts + span_s].append(runner_id)
    return groups


def _roll_up(runner_ids: Collection[int], span_s: int, since: int, until: int) -> int:
    if since >= until:
        return 0
    source = None if span_s == SPANS[0] else SPANS[SPANS.index(span_s) - 1]
    rows = buckets.snapshot_rows(runner_ids, since, until, span_s, source)
    written = _insert(SnapshotRollup, rows, SNAPSHOT_COLUMNS, span_s)
    _insert(
        GpuRollup, buckets.gpu_rows(runner_ids, since, until, span_s, source), GPU_COLUMNS, span_s
    )
    return written


def _mean(name: str) -> str:
    """The rounded mean of a bucketed row's values, in integer arithmetic on both databases."""
    n = f"CAST({name}_n AS BIGINT)"
    return f"(CAST({name}_sum AS BIGINT) + {n} / 2) / NULLIF({n}, 0)"


# Each rollup column, as an expression over a row of buckets.snapshot_rows / gpu_rows.
SNAPSHOT_COLUMNS = {
    "total": "all_n",
    "ok": "ok_n",
    "ram_min": "ram_min",
    "ram_avg": _mean("ram"),
    "ram_max": "ram_max",
    "latency_min": "latency_min",
    "latency_avg": _mean("latency"),
    "latency_max": "latency_max",
    "queue_min": "queue_min",
    "queue_avg": _mean("queue"),
    "queue_max": "queue_max",
}
GPU_COLUMNS = {
    "gpu": "gpu",
    "samples": "vram_n",
    "vram_min": "vram_min",
    "vram_avg": _mean("vram"),
    "vram_max": "vram_max",
}


def _insert(model: type[Model], rows: QuerySet, columns: dict[str, str], span_s: int) -> int:
    """INSERT … SELECT the bucketed rows as rollups of span_s; returns how many were new.

    One statement, not a query and a bulk_create: a fetch that opens a bucket pays for it,
    and this halved that fetch's cost (docs/benchmarks.md). A rollup already there stays:
    polling and a collector may roll up the same bucket at once.
    """
    query, params = rows.query.sql_with_params()
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(["runner_id", "span_s", "ts", *columns])
    values = ", ".join(["runner_id", "%s", "bucket * %s", *columns.values()])
    # WHERE true: without it SQLite would read ON CONFLICT as a join constraint.
    sql = (
        f"INSERT INTO {table} ({names}) SELECT {values} FROM ({query}) AS buckets "  # noqa: S608
        "WHERE true ON CONFLICT DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [span_s, span_s, *params])
        return cursor.rowcount
