"""Five-minute rollups, built from raw snapshots as polling and the collector go along."""

from datetime import UTC, datetime
from statistics import mean

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from runners import polling
from runners.history import rollups
from runners.models import GpuRollup, Runner, SnapshotRollup
from tests.factories import make_runner, make_snapshot, make_team

pytestmark = pytest.mark.django_db

T0 = 1_700_000_100  # a multiple of 300
HOUR = 1_700_002_800  # a multiple of 3600
GIB = 1024**3


def rounded_mean(values):
    """Half up, in integers: how rollups round on SQLite and PostgreSQL alike."""
    return (sum(values) + len(values) // 2) // len(values)


def seed_bucket(runner, start_ts):
    """Thirty fetches 10 s apart, the third and the last failing; returns the ok ones' values."""
    rams, latencies, vrams = [], [], []
    for i in range(30):
        if i in (2, 29):
            make_snapshot(runner, start_ts + 10 * i, status="unreachable")
            continue
        ram, latency, vram = (10 + i % 4) * GIB + i, 30 + 7 * i, (i % 3) * GIB
        make_snapshot(
            runner, start_ts + 10 * i, ram_used=ram, latency_ms=latency, vram_used=(vram,)
        )
        rams.append(ram)
        latencies.append(latency)
        vrams.append(vram)
    return rams, latencies, vrams


def test_a_rollup_holds_its_five_minutes_min_avg_max_and_counts(runner):
    rams, latencies, vrams = seed_bucket(runner, T0)

    rollups.roll_up_all(T0 + 300 + rollups.settle_s())

    rollup = SnapshotRollup.objects.get(runner=runner, ts=T0)
    assert (rollup.total, rollup.ok) == (30, 28)
    assert (rollup.ram_min, rollup.ram_avg, rollup.ram_max) == (
        min(rams),
        rounded_mean(rams),
        max(rams),
    )
    assert (rollup.latency_min, rollup.latency_avg, rollup.latency_max) == (
        min(latencies),
        rounded_mean(latencies),
        max(latencies),
    )
    gpu = GpuRollup.objects.get(runner=runner, ts=T0, gpu=0)
    assert (gpu.samples, gpu.vram_min, gpu.vram_avg, gpu.vram_max) == (
        28,
        min(vrams),
        rounded_mean(vrams),
        max(vrams),
    )


def test_an_hour_rollup_holds_the_same_numbers_as_its_twelve_five_minute_rollups(runner):
    values = [seed_bucket(runner, HOUR + 300 * i) for i in range(12)]
    rams = [ram for bucket_rams, _, _ in values for ram in bucket_rams]

    rollups.roll_up_all(HOUR + 3600 + rollups.settle_s())

    hour = SnapshotRollup.objects.get(span_s=3600)
    assert (hour.ts, hour.total, hour.ok) == (HOUR, 360, 336)
    assert (hour.ram_min, hour.ram_max) == (min(rams), max(rams))
    assert hour.ram_avg == pytest.approx(mean(rams), abs=1)
    assert GpuRollup.objects.get(span_s=3600).samples == 336


def test_the_bucket_still_filling_is_not_rolled_up(runner):
    seed_bucket(runner, T0)
    make_snapshot(runner, T0 + 300, ram_used=GIB)

    rollups.roll_up_all(T0 + 310 + rollups.settle_s())

    assert list(SnapshotRollup.objects.values_list("ts", flat=True)) == [T0]


def test_rolling_up_again_adds_only_the_buckets_finished_since(runner):
    seed_bucket(runner, T0)
    rollups.roll_up_all(T0 + 300 + rollups.settle_s())
    seed_bucket(runner, T0 + 300)

    assert rollups.roll_up_all(T0 + 300 + rollups.settle_s()) == 0
    assert rollups.roll_up_all(T0 + 600 + rollups.settle_s()) == 1
    assert SnapshotRollup.objects.filter(runner=runner).count() == 2


def test_rolling_up_every_runner_waits_until_fetches_in_flight_are_written(runner, settings):
    settings.UPSTREAM_DEADLINE = 8
    other = make_runner(runner.team)
    seed_bucket(runner, T0)
    seed_bucket(other, T0)

    assert rollups.roll_up_all(now_ts=T0 + 305) == 0
    assert rollups.roll_up_all(now_ts=T0 + 317) == 2
    assert SnapshotRollup.objects.count() == 2


def at(ts):
    return time_machine.travel(datetime.fromtimestamp(ts, tz=UTC), tick=False)


def test_polling_rolls_up_the_last_bucket_when_a_fetch_opens_a_new_one(comfyui):
    runner = make_runner(make_team(), base_url=comfyui.url_for(""), poll_interval=30)
    for ts in (T0 + 240, T0 + 270):
        with at(ts):
            polling.refresh(Runner.objects.get(pk=runner.pk))
    assert not SnapshotRollup.objects.exists()

    with at(T0 + 300):
        polling.refresh(Runner.objects.get(pk=runner.pk))

    rollup = SnapshotRollup.objects.get()
    assert (rollup.span_s, rollup.ts, rollup.total, rollup.ok) == (300, T0, 2, 2)
    assert not GpuRollup.objects.exists()  # a CPU server: no GPU samples to roll up


def test_polling_leaves_hours_to_the_catch_up_of_every_runner(comfyui):
    runner = make_runner(make_team(), base_url=comfyui.url_for(""), poll_interval=600)
    for ts in (HOUR + 1800, HOUR + 3000, HOUR + 3600):
        with at(ts):
            polling.refresh(Runner.objects.get(pk=runner.pk))
    assert not SnapshotRollup.objects.filter(span_s=3600).exists()

    rollups.roll_up_all(HOUR + 3600 + rollups.settle_s())

    hour = SnapshotRollup.objects.get(span_s=3600)
    assert (hour.ts, hour.total) == (HOUR, 2)


def test_catching_up_takes_as_many_queries_for_many_runners_as_for_one(runner):
    def queries_to_catch_up(runners):
        for each in runners:
            seed_bucket(each, HOUR)
        with CaptureQueriesContext(connection) as queries:
            rollups.roll_up_all(HOUR + 3600 + rollups.settle_s())
        return len(queries)

    one = queries_to_catch_up([runner])
    SnapshotRollup.objects.all().delete()
    GpuRollup.objects.all().delete()

    assert queries_to_catch_up([make_runner(runner.team) for _ in range(4)]) == one
