"""Deleting history past its retention, in small batches so that no DELETE holds the database."""

from __future__ import annotations

import threading

from django.conf import settings
from django.db.models import Model

from runners.history import rollups
from runners.models import (
    GpuRollup,
    GpuSample,
    Runner,
    Snapshot,
    SnapshotRollup,
    SoftwareChange,
    StatusChange,
)
from runners.units import DAY

BATCH = 5000


def prune(now_ts: int, stop: threading.Event | None = None) -> dict[str, int]:
    """Roll up what is due, then delete what is past retention; returns rows deleted per table.

    Raw snapshots and GPU samples are kept RAW_RETENTION_DAYS; rollups and the status and
    software logs ROLLUP_RETENTION_DAYS. Setting `stop` ends it after the batch in progress.
    """
    stop = stop or threading.Event()
    rollups.roll_up_all(now_ts)
    raw_cutoff = now_ts - settings.RAW_RETENTION_DAYS * DAY
    long_cutoff = now_ts - settings.ROLLUP_RETENTION_DAYS * DAY
    plan = [
        (Snapshot, raw_cutoff),
        (GpuSample, raw_cutoff),
        (SnapshotRollup, long_cutoff),
        (GpuRollup, long_cutoff),
        (StatusChange, long_cutoff),
        (SoftwareChange, long_cutoff),
    ]
    runner_ids = list(Runner.objects.values_list("pk", flat=True))
    return {
        str(model._meta.verbose_name_plural): sum(
            _delete_before(model, runner_id, cutoff, stop) for runner_id in runner_ids
        )
        for model, cutoff in plan
    }


def _delete_before(model: type[Model], runner_id: int, cutoff: int, stop: threading.Event) -> int:
    """Delete the runner's rows before `cutoff`, BATCH at a time along the (runner, ts) index."""
    deleted = 0
    while not stop.is_set():
        oldest = model.objects.filter(runner_id=runner_id, ts__lt=cutoff).values("pk")[:BATCH]
        count, _ = model.objects.filter(pk__in=oldest).delete()
        deleted += count
        if count < BATCH:
            break
    return deleted
