"""Trend series: raw snapshots up to a day, rollups plus the unrolled tail beyond."""

import pytest

from runners.history import buckets, rollups, trends
from runners.models import Snapshot, SnapshotRollup
from tests.factories import make_runner, make_snapshot, make_team

pytestmark = pytest.mark.django_db

NOW = 1_700_002_800 + 2 * 3600 + 120  # two hours and two minutes past a round hour
GIB = 1024**3


@pytest.fixture
def runner():
    runner = make_runner(make_team())
    for i in range(125):  # the last 125 minutes, one fetch a minute, down from minute 30 to 45
        ts = NOW - 60 * (125 - i)
        if 30 <= i < 45:
            make_snapshot(runner, ts, status="unreachable")
        else:
            make_snapshot(
                runner, ts, ram_used=(4 + i % 7) * GIB, latency_ms=50 + i, vram_used=(i * GIB,)
            )
    return runner


def values(series):
    return [value for _, value in series.points]


@pytest.mark.parametrize("key", ["24h", "7d", "30d"])
def test_a_long_range_reads_rollups_then_the_rows_not_rolled_up_yet(runner, key):
    rollups.roll_up_all(NOW - 1800 + rollups.settle_s())  # hours, then 5 minutes, then raw

    trend = trends.trend(runner.pk, trends.RANGES[key], 60, NOW)

    frame = trend.frame
    raw = buckets.snapshots(runner.pk, frame.start_ts, frame.end_ts, frame.bucket_s)
    assert values(trend.ram) == pytest.approx(
        [b.ram.mean / GIB if b.ok else None for _, b in sorted(raw.items())]
    )
    assert values(trend.availability) == pytest.approx(
        [100 * b.ok / b.total for _, b in sorted(raw.items())]
    )


def test_no_fetch_is_counted_twice_across_rollups_and_raw_rows(runner):
    rollups.roll_up_all(NOW - 1800 + rollups.settle_s())

    trend = trends.trend(runner.pk, trends.RANGES["7d"], 60, NOW)

    assert trend.availability.mean == pytest.approx(100 * 110 / 125)


def test_the_last_hour_reads_raw_snapshots_only(runner):
    SnapshotRollup.objects.create(
        runner=runner, span_s=300, ts=NOW - 600 - NOW % 300, total=9, ok=0
    )

    trend = trends.trend(runner.pk, trends.RANGES["1h"], 60, NOW)

    assert trend.availability.mean == 100


def test_a_bucket_where_every_fetch_failed_breaks_the_line_and_reads_zero_availability(runner):
    trend = trends.trend(runner.pk, trends.RANGES["24h"], 60, NOW)

    down = [ts for ts, value in trend.ram.points if value is None]
    assert down
    assert all(dict(trend.availability.points)[ts] == 0 for ts in down)
    assert all(dict(trend.latency.points)[ts] is None for ts in down)


def test_no_range_has_more_than_600_points_per_series():
    for trend_range in trends.RANGES.values():
        assert trend_range.span_s / trend_range.bucket_s <= 600


def test_ranges_that_read_rollups_use_whole_rollups_per_bucket():
    for trend_range in trends.RANGES.values():
        if trend_range.rollup_s:
            assert trend_range.bucket_s % trend_range.rollup_s == 0


def test_lines_break_after_two_and_a_half_polls_without_data():
    runner = make_runner(make_team())
    assert trends.trend(runner.pk, trends.RANGES["1h"], 60, NOW).max_gap_s == 150
    assert trends.trend(runner.pk, trends.RANGES["7d"], 60, NOW).max_gap_s == 9000


def test_queue_depth_gets_its_own_panel_for_a_runner_with_a_queue():
    runner = make_runner(make_team())
    for i, depth in enumerate((0, 2, 3, 1)):
        Snapshot.objects.create(
            runner=runner, ts=NOW - 200 + 50 * i, status="ok", queue_depth=depth
        )

    trend = trends.trend(runner.pk, trends.RANGES["1h"], 60, NOW)

    assert [p.title for p in trend.panels] == ["RAM used", "Fetch latency", "Queue depth"]
    assert trend.queue.high == 3


def test_a_runner_without_a_queue_has_no_queue_panel(runner):
    trend = trends.trend(runner.pk, trends.RANGES["1h"], 60, NOW)

    assert "Queue depth" not in [p.title for p in trend.panels]
