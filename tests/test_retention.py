"""Pruning: history past its retention goes, in batches; everything inside it stays."""

import io
import time

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from runners.history import retention
from runners.models import GpuSample, Snapshot, SnapshotRollup, SoftwareChange, StatusChange
from tests.factories import make_runner, make_snapshot, make_team

pytestmark = pytest.mark.django_db

NOW = 1_700_000_100
DAY = 86400


@pytest.fixture
def runner(settings):
    settings.RAW_RETENTION_DAYS = 7
    settings.ROLLUP_RETENTION_DAYS = 400
    return make_runner(make_team())


def test_raw_snapshots_and_gpu_samples_older_than_their_retention_are_deleted(runner):
    make_snapshot(runner, NOW - 7 * DAY - 1, ram_used=1, vram_used=(1, 2))
    make_snapshot(runner, NOW - 7 * DAY + 1, ram_used=1, vram_used=(1, 2))
    make_snapshot(runner, NOW - 60, ram_used=1, vram_used=(1, 2))

    retention.prune(NOW)

    assert sorted(Snapshot.objects.values_list("ts", flat=True)) == [NOW - 7 * DAY + 1, NOW - 60]
    assert GpuSample.objects.count() == 4


def test_raw_snapshots_are_rolled_up_before_they_are_deleted(runner):
    old = NOW - 8 * DAY
    make_snapshot(runner, old, ram_used=5)

    retention.prune(NOW)

    rollup = SnapshotRollup.objects.get(span_s=300)
    assert (rollup.ts, rollup.total, rollup.ram_avg) == (old - old % 300, 1, 5)
    assert not Snapshot.objects.exists()


def test_rollups_and_logs_are_kept_for_their_own_longer_retention(runner):
    for age in (401 * DAY, 399 * DAY):
        SnapshotRollup.objects.create(
            runner=runner, span_s=300, ts=NOW - age - NOW % 300, total=1, ok=1
        )
        StatusChange.objects.create(runner=runner, ts=NOW - age, status="ok")
        SoftwareChange.objects.create(runner=runner, ts=NOW - age, kind="pack", item="p", after="x")

    deleted = retention.prune(NOW)

    kept = SnapshotRollup.objects.values_list("ts", flat=True)
    assert min(kept) >= NOW - 400 * DAY
    assert SnapshotRollup.objects.filter(span_s=300).count() == 1
    assert StatusChange.objects.get().ts == SoftwareChange.objects.get().ts == NOW - 399 * DAY
    assert deleted["status changes"] == deleted["software changes"] == 1


def test_a_big_backlog_is_deleted_in_batches(runner, monkeypatch):
    monkeypatch.setattr(retention, "BATCH", 4)
    for i in range(10):
        make_snapshot(runner, NOW - 30 * DAY + i)

    with CaptureQueriesContext(connection) as queries:
        deleted = retention.prune(NOW)

    deletes = [q["sql"] for q in queries if q["sql"].startswith('DELETE FROM "runners_snapshot"')]
    assert len(deletes) == 3
    assert deleted["snapshots"] == 10


def test_the_prune_command_says_what_it_deleted(runner):
    make_snapshot(runner, int(time.time()) - 8 * DAY)
    out = io.StringIO()

    call_command("prune", stdout=out)

    assert out.getvalue().startswith("Deleted: snapshots 1, gpu samples 0, ")
