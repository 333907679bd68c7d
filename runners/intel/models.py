"""What fleet intelligence stores: each runner's software and node inventory, team baselines.

Part of the runners app's models (runners/models.py imports them).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Software(models.Model):
    """A runner's software as the matrix and drift read it: kept small so 300 rows load fast.

    `packs` are custom packs from `/extensions` and, for direct runners, from the node inventory.
    The inventory fields say when `/api/object_info` and the model lists were last fetched.
    """

    runner = models.OneToOneField(
        "runners.Runner", on_delete=models.CASCADE, primary_key=True, related_name="software"
    )
    fingerprint = models.CharField(max_length=64)  # ComfyUI version + pack set
    comfyui_version = models.CharField(max_length=100, blank=True)
    packs = models.JSONField(default=list)
    packs_known = models.BooleanField(default=False)  # False when no extension list came
    # Packs with front-end files: the ones `/extensions` can show at all.
    packs_with_files = models.JSONField(default=list)
    inventory_fingerprint = models.CharField(max_length=64, blank=True)
    inventory_at = models.DateTimeField(null=True, blank=True)
    inventory_error = models.CharField(max_length=300, blank=True)
    inventory_claimed_until = models.DateTimeField(null=True, blank=True)
    node_count = models.PositiveIntegerField(default=0)
    # Drift against the team's baseline, in words, and the software change behind it.
    drift = models.CharField(max_length=500, blank=True)
    drift_change_ts = models.IntegerField(null=True, blank=True)
    # Set when the software changes; the team's drift is updated once for many such rows.
    drift_due = models.BooleanField(default=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["drift_due"], condition=models.Q(drift_due=True), name="software_drift_due"
            )
        ]

    def __str__(self) -> str:
        return f"software of {self.runner_id}"

    @property
    def has_inventory(self) -> bool:
        return self.inventory_at is not None and not self.inventory_error


class NodeClass(models.Model):
    """One node class a direct runner's ComfyUI offers, and its pack ("" for ComfyUI's own)."""

    runner = models.ForeignKey("runners.Runner", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=200)
    pack = models.CharField(max_length=200, blank=True)

    class Meta:
        indexes = [models.Index(fields=["name", "runner"], name="node_class_name")]

    def __str__(self) -> str:
        return self.name


class ModelFile(models.Model):
    """One model file a direct runner has, by folder (checkpoints, loras, vae…)."""

    runner = models.ForeignKey("runners.Runner", on_delete=models.CASCADE, related_name="+")
    folder = models.CharField(max_length=50)
    name = models.CharField(max_length=500)

    class Meta:
        indexes = [models.Index(fields=["name", "runner"], name="model_file_name")]

    def __str__(self) -> str:
        return f"{self.folder}/{self.name}"


class Baseline(models.Model):
    """A team's intended setup: one chosen runner, or a saved set of packs and a version range."""

    team = models.OneToOneField(
        "runners.Team", on_delete=models.CASCADE, primary_key=True, related_name="baseline"
    )
    runner = models.ForeignKey(
        "runners.Runner", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    packs = models.JSONField(default=list, blank=True)
    comfyui_min = models.CharField("ComfyUI at least", max_length=50, blank=True)
    comfyui_max = models.CharField("ComfyUI at most", max_length=50, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"baseline of {self.team_id}"
