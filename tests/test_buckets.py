"""Bucketed aggregates: the same numbers on SQLite and on PostgreSQL (CI runs both)."""

import pytest

from runners.history import buckets, rollups
from runners.history.buckets import Stat
from tests.factories import make_snapshot

pytestmark = pytest.mark.django_db

T0 = 1_700_000_100  # a multiple of 300
HOUR = 1_700_002_800  # a multiple of 3600
GIB = 1024**3


def test_a_snapshot_falls_into_the_bucket_its_epoch_divides_into(runner):
    for ts in (T0 - 1, T0, T0 + 299, T0 + 300):
        make_snapshot(runner, ts)

    found = buckets.snapshots(runner.pk, T0 - 300, T0 + 600, 300)

    assert {ts: bucket.total for ts, bucket in found.items()} == {T0 - 300: 1, T0: 2, T0 + 300: 1}


def test_hour_buckets_start_on_the_hour(runner):
    make_snapshot(runner, HOUR - 1)
    make_snapshot(runner, HOUR)
    make_snapshot(runner, HOUR + 3599)

    found = buckets.snapshots(runner.pk, 0, 2_000_000_000, 3600)

    assert {ts: bucket.total for ts, bucket in found.items()} == {HOUR - 3600: 1, HOUR: 2}


def test_a_bucket_counts_ok_snapshots_and_aggregates_their_ram_and_latency(runner):
    make_snapshot(runner, T0, ram_used=10 * GIB, latency_ms=100)
    make_snapshot(runner, T0 + 10, ram_used=30 * GIB, latency_ms=301)
    make_snapshot(runner, T0 + 20, status="timeout")

    bucket = buckets.snapshots(runner.pk, T0, T0 + 300, 300)[T0]

    assert (bucket.total, bucket.ok) == (3, 2)
    assert bucket.ram == Stat(2, 40 * GIB, 10 * GIB, 30 * GIB)
    assert bucket.latency == Stat(2, 401, 100, 301)


def test_gpu_samples_are_bucketed_per_gpu(runner):
    make_snapshot(runner, T0, vram_used=(1 * GIB, 70 * GIB))
    make_snapshot(runner, T0 + 10, vram_used=(3 * GIB, None))

    found = buckets.gpu_samples(runner.pk, T0, T0 + 300, 300)

    assert found == {
        (T0, 0): Stat(2, 4 * GIB, 1 * GIB, 3 * GIB),
        (T0, 1): Stat(1, 70 * GIB, 70 * GIB, 70 * GIB),
    }


def test_rollups_re_bucket_to_the_same_numbers_as_raw_snapshots(runner):
    for i in range(120):  # 20 minutes at 10 s, every seventh fetch failing
        failed = i % 7 == 0
        make_snapshot(
            runner,
            T0 + 10 * i,
            status="timeout" if failed else "ok",
            ram_used=None if failed else (20 + i % 5) * GIB,
            latency_ms=None if failed else 40 + i,
            vram_used=() if failed else ((i % 9) * GIB,),
        )
    rollups.roll_up_all(T0 + 1200 + rollups.settle_s())

    raw = buckets.snapshots(runner.pk, T0, T0 + 1200, 600)
    rolled = buckets.snapshots(runner.pk, T0, T0 + 1200, 600, rollup_s=300)

    assert rolled.keys() == raw.keys()
    for ts, bucket in raw.items():
        assert (rolled[ts].total, rolled[ts].ok) == (bucket.total, bucket.ok)
        assert rolled[ts].ram.mean == pytest.approx(bucket.ram.mean)
        assert rolled[ts].latency.mean == pytest.approx(bucket.latency.mean, abs=0.5)
        assert (rolled[ts].ram.low, rolled[ts].ram.high) == (bucket.ram.low, bucket.ram.high)
    raw_gpu = buckets.gpu_samples(runner.pk, T0, T0 + 1200, 600)
    rolled_gpu = buckets.gpu_samples(runner.pk, T0, T0 + 1200, 600, rollup_s=300)
    assert {k: v.mean for k, v in rolled_gpu.items()} == pytest.approx(
        {k: v.mean for k, v in raw_gpu.items()}
    )


def test_terabyte_sums_over_many_buckets_stay_exact_integers(runner):
    for i in range(60):
        make_snapshot(runner, T0 + 5 * i, ram_used=2**42 + i)

    bucket = buckets.snapshots(runner.pk, T0, T0 + 300, 300)[T0]

    assert bucket.ram.total == 60 * 2**42 + sum(range(60))
    assert isinstance(bucket.ram.total, int)


def test_merging_buckets_adds_counts_and_keeps_extremes():
    one = buckets.Bucket(3, 2, Stat(2, 10, 4, 6), Stat())
    two = buckets.Bucket(1, 1, Stat(1, 9, 9, 9), Stat())

    assert buckets.merge({0: one}, {0: two, 300: two}) == {
        0: buckets.Bucket(4, 3, Stat(3, 19, 4, 9), Stat()),
        300: two,
    }
