"""History tables: what every fetch recorded, and its rollups. Compact on purpose (DESIGN.md).

Part of the runners app's models (runners/models.py imports them); rows are written by
`history.record` and the rollup job only.
"""

from __future__ import annotations

from django.db import models


class Snapshot(models.Model):
    """One upstream fetch. Compact on purpose: integer epoch seconds, no JSON (DESIGN.md)."""

    runner = models.ForeignKey(
        "runners.Runner", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    ts = models.IntegerField()
    status = models.CharField(max_length=20)
    ram_used = models.BigIntegerField(null=True)
    ram_total = models.BigIntegerField(null=True)
    latency_ms = models.PositiveIntegerField(null=True)
    queue_depth = models.PositiveIntegerField(null=True)  # running + pending; direct runners

    class Meta:
        constraints = [models.UniqueConstraint(fields=["runner", "ts"], name="one_snapshot_per_ts")]

    def __str__(self) -> str:
        return f"{self.runner_id}@{self.ts}: {self.status}"


class GpuSample(models.Model):
    """VRAM of one GPU at one snapshot, keyed like the snapshot so charts read it without a join."""

    runner = models.ForeignKey(
        "runners.Runner", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    ts = models.IntegerField()
    gpu = models.PositiveSmallIntegerField()
    vram_used = models.BigIntegerField(null=True)
    vram_total = models.BigIntegerField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["runner", "ts", "gpu"], name="one_sample_per_gpu")
        ]

    def __str__(self) -> str:
        return f"{self.runner_id}@{self.ts} gpu{self.gpu}"


class SnapshotRollup(models.Model):
    """Five minutes or an hour (`span_s`) of one runner's snapshots, from `ts` (epoch seconds).

    Availability is ok / total; RAM, latency and queue depth come from the ok snapshots only.
    """

    runner = models.ForeignKey(
        "runners.Runner", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    span_s = models.PositiveSmallIntegerField()
    ts = models.IntegerField()
    total = models.PositiveSmallIntegerField()
    ok = models.PositiveSmallIntegerField()
    ram_min = models.BigIntegerField(null=True)
    ram_avg = models.BigIntegerField(null=True)
    ram_max = models.BigIntegerField(null=True)
    latency_min = models.PositiveIntegerField(null=True)
    latency_avg = models.PositiveIntegerField(null=True)
    latency_max = models.PositiveIntegerField(null=True)
    queue_min = models.PositiveIntegerField(null=True)
    queue_avg = models.PositiveIntegerField(null=True)
    queue_max = models.PositiveIntegerField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["runner", "span_s", "ts"], name="one_rollup_per_ts")
        ]

    def __str__(self) -> str:
        return f"{self.runner_id}@{self.ts} ({self.span_s} s)"


class GpuRollup(models.Model):
    """Like SnapshotRollup, for one GPU's VRAM used; `samples` weighs `vram_avg`."""

    runner = models.ForeignKey(
        "runners.Runner", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    span_s = models.PositiveSmallIntegerField()
    ts = models.IntegerField()
    gpu = models.PositiveSmallIntegerField()
    samples = models.PositiveSmallIntegerField()
    vram_min = models.BigIntegerField(null=True)
    vram_avg = models.BigIntegerField(null=True)
    vram_max = models.BigIntegerField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["runner", "span_s", "ts", "gpu"], name="one_gpu_rollup_per_ts"
            )
        ]

    def __str__(self) -> str:
        return f"{self.runner_id}@{self.ts} gpu{self.gpu} ({self.span_s} s)"


class StatusChange(models.Model):
    """The runner's status became `status` at `ts` (epoch seconds); written by polling."""

    runner = models.ForeignKey(
        "runners.Runner", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    ts = models.IntegerField()
    status = models.CharField(max_length=20)

    class Meta:
        indexes = [models.Index(fields=["runner", "ts"], name="status_change_runner_ts")]

    def __str__(self) -> str:
        return f"{self.runner_id}@{self.ts}: {self.status}"


class SoftwareChange(models.Model):
    """A version or extension pack that changed between two successful fetches.

    `before` is empty for something added, `after` for something removed.
    """

    class Kind(models.TextChoices):
        VERSION = "version", "Version"
        PACK = "pack", "Extension pack"

    runner = models.ForeignKey(
        "runners.Runner", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    ts = models.IntegerField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    item = models.CharField(max_length=200)
    before = models.CharField(max_length=200, blank=True)
    after = models.CharField(max_length=200, blank=True)

    class Meta:
        indexes = [models.Index(fields=["runner", "ts"], name="software_change_runner_ts")]

    def __str__(self) -> str:
        return f"{self.runner_id}@{self.ts}: {self.item} {self.before} → {self.after}"

    @property
    def action(self) -> str:
        if not self.before:
            return "added"
        return "removed" if not self.after else "changed"
