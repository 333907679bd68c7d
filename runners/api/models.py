"""Keys for machines: team API keys (JSON API, /metrics) and runner badge keys.

Part of the runners app's models (runners/models.py imports them). Only a SHA-256 of each
key is stored; `prefix` is what owners see to tell keys apart.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class HashedKey(models.Model):
    """A secret made once and shown once: its hash, the prefix owners see, and its revocation."""

    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=12, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at"]


class ApiKey(HashedKey):
    """A read-only key to one team's runners, for scripts and Prometheus."""

    team = models.ForeignKey("runners.Team", on_delete=models.CASCADE, related_name="+")
    label = models.CharField(max_length=100)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta(HashedKey.Meta):
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.label} ({self.prefix}…)"


class BadgeKey(HashedKey):
    """An unguessable, revocable address of one runner's status badge.

    The badge shows `label`, the name the team chose for it, never the runner's own name.
    """

    runner = models.ForeignKey("runners.Runner", on_delete=models.CASCADE, related_name="+")
    label = models.CharField(max_length=40)

    def __str__(self) -> str:
        return f"badge {self.label} ({self.prefix}…)"
