"""comfyweb's data: teams and their members, API tokens, runner bookmarks, state and history."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from runners.fields import EncryptedJSONField, EncryptedTextField, is_readable
from runners.status import Status


class Team(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        MEMBER = "member", "Member"
        VIEWER = "viewer", "Viewer"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "team"], name="one_membership")]

    def __str__(self) -> str:
        return f"{self.user} in {self.team} ({self.role})"


class ApiToken(models.Model):
    """A ComfyControl API token; the secret is encrypted and never shown again after entry."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="tokens")
    label = models.CharField(max_length=100)
    secret = EncryptedTextField()
    hint = models.CharField(max_length=4, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    last_status = models.CharField(max_length=32, blank=True)
    # Set when ComfyControl refused the token (401, or 403 for managed runners): its runners are
    # not polled until the token changes, but for one probe an hour (polling/holds.py).
    rejected_at = models.DateTimeField(null=True, blank=True)
    rejected_status = models.CharField(max_length=20, choices=Status.choices, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "label"], name="unique_token_label")]
        ordering = ["team__name", "label"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.label} (…{self.hint})"

    def save(self, *args, **kwargs) -> None:
        if self.secret_is_readable:
            self.hint = self.secret[-4:]
        super().save(*args, **kwargs)

    @property
    def secret_is_readable(self) -> bool:
        """False when no key in FIELD_ENCRYPTION_KEYS decrypts the stored secret."""
        return is_readable(self, "secret")


class Runner(models.Model):
    """A bookmark of one ComfyUI server, reached through ComfyControl or directly."""

    class Source(models.TextChoices):
        MANAGED = "managed", "ComfyControl managed"
        SELF_HOSTED = "self_hosted", "ComfyControl self-hosted"
        DIRECT = "direct", "ComfyUI direct"

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="runners")
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100)
    source = models.CharField(max_length=12, choices=Source.choices)
    comfycontrol_id = models.CharField("ComfyControl id", max_length=64, blank=True)
    token = models.ForeignKey(
        ApiToken, null=True, blank=True, on_delete=models.PROTECT, related_name="runners"
    )
    base_url = models.URLField("base URL", max_length=500, blank=True)
    headers = EncryptedJSONField(default=dict, blank=True)
    tags = models.CharField(max_length=300, blank=True, help_text="Comma-separated.")
    poll_interval = models.PositiveIntegerField(
        "poll interval (s)",
        default=30,
        validators=[MinValueValidator(5), MaxValueValidator(3600)],
    )
    paused = models.BooleanField(default=False)
    paused_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    paused_at = models.DateTimeField(null=True, blank=True)
    removed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When an import found that ComfyControl no longer lists it.",
    )
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "slug"], name="unique_runner_slug"),
            models.UniqueConstraint(
                fields=["team", "source", "comfycontrol_id"],
                condition=~models.Q(comfycontrol_id=""),
                name="unique_comfycontrol_runner",
            ),
        ]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def source_short(self) -> str:
        """The source in one word, for narrow columns."""
        return {"managed": "managed", "self_hosted": "self-hosted", "direct": "direct"}[self.source]

    @property
    def uses_comfycontrol(self) -> bool:
        return self.source != self.Source.DIRECT

    @property
    def headers_are_readable(self) -> bool:
        """False when no key in FIELD_ENCRYPTION_KEYS decrypts the stored headers."""
        return is_readable(self, "headers")

    @property
    def shown_base_url(self) -> str:
        """The base URL for team pages: scheme, host, port and path, never credentials in it."""
        parts = urlsplit(self.base_url)
        host = parts.hostname or ""
        netloc = f"[{host}]" if ":" in host else host
        netloc += f":{parts.port}" if parts.port else ""
        return urlunsplit((parts.scheme, netloc, parts.path, "", ""))

    @property
    def tag_list(self) -> list[str]:
        return [tag.strip() for tag in self.tags.split(",") if tag.strip()]

    def clean(self) -> None:
        if self.uses_comfycontrol:
            self._clean_comfycontrol()
        else:
            self._clean_direct()

    def _clean_comfycontrol(self) -> None:
        errors = {}
        if not self.comfycontrol_id:
            errors["comfycontrol_id"] = "A ComfyControl runner needs its id."
        if self.token_id is None:
            errors["token"] = "A ComfyControl runner needs an API token."
        elif self.team_id is not None and self.token.team_id != self.team_id:
            errors["token"] = "The token must belong to the runner's team."
        if self.base_url:
            errors["base_url"] = "Only direct runners have a base URL."
        if not self.headers_are_readable or self.headers:
            errors["headers"] = "Only direct runners have custom headers."
        if errors:
            raise ValidationError(errors)

    def _clean_direct(self) -> None:
        errors = {}
        if not self.base_url:
            errors["base_url"] = "A direct runner needs the base URL of its ComfyUI server."
        elif not self.base_url.lower().startswith(("http://", "https://")):
            errors["base_url"] = "Use an http:// or https:// URL."
        if self.comfycontrol_id:
            errors["comfycontrol_id"] = "Direct runners have no ComfyControl id."
        if self.token_id is not None:
            errors["token"] = "Direct runners do not use a ComfyControl token."
        if self.headers_are_readable and not _is_header_map(self.headers):
            errors["headers"] = "Headers must map names to text values."
        if errors:
            raise ValidationError(errors)


def _is_header_map(headers: object) -> bool:
    return isinstance(headers, dict) and all(
        isinstance(k, str) and isinstance(v, str) for k, v in headers.items()
    )


class RunnerState(models.Model):
    """The latest known state of one runner: what cards render from."""

    runner = models.OneToOneField(
        Runner, on_delete=models.CASCADE, primary_key=True, related_name="state"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    status_since = models.DateTimeField(default=timezone.now)
    down_since = models.DateTimeField(null=True, blank=True)
    error_sentence = models.CharField(max_length=300, blank=True)
    error_detail = models.TextField(blank=True)
    fetched_at = models.DateTimeField(null=True, blank=True)
    succeeded_at = models.DateTimeField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    stats = models.JSONField(null=True, blank=True)
    raw = models.JSONField(null=True, blank=True)  # {"argv": [...]}: see Fetched
    # Copied out of `stats` so the dashboard can filter and sort on them in SQL.
    vram_free_max = models.BigIntegerField(null=True, blank=True)
    gpu_models = models.CharField(max_length=500, blank=True)
    # Likewise for the dashboard's status strip: the fleet's free VRAM and idle GPUs.
    vram_free_total = models.BigIntegerField(null=True, blank=True)
    idle_gpus = models.PositiveSmallIntegerField(default=0)
    lease_until = models.DateTimeField(null=True, blank=True)
    retry_at = models.DateTimeField(null=True, blank=True)
    # After "not found", the next fetch waits this long after the last (doubling, up to an hour).
    backoff_s = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.runner}: {self.status}"

    @property
    def argv(self) -> list[str]:
        """The launch arguments the runner reported: they can hold secrets, so owners only."""
        argv = self.raw.get("argv") if isinstance(self.raw, dict) else None
        return [str(arg) for arg in argv] if isinstance(argv, list) else []


class ShareLink(models.Model):
    """A public read-only link to one runner; only the SHA-256 of its secret is stored."""

    runner = models.ForeignKey(Runner, on_delete=models.CASCADE, related_name="share_links")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    label = models.CharField(max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Share link for {self.runner}"

    @property
    def is_active(self) -> bool:
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class RateBudget(models.Model):
    """The shared request budget of one ComfyControl API host, for every process of a deployment.

    A GCRA limiter in one row: ``tat`` is the theoretical arrival time (epoch seconds) of the next
    request; ``paused_until`` holds every call back after a 429.
    """

    host = models.CharField(max_length=255, primary_key=True)
    tat = models.FloatField(default=0)
    paused_until = models.FloatField(default=0)

    def __str__(self) -> str:
        return self.host


class Heartbeat(models.Model):
    """When a background process last said it was alive (`ts`, epoch seconds).

    Web processes leave refreshing to the collector while its heartbeat is fresh.
    """

    name = models.CharField(max_length=50, primary_key=True)
    ts = models.FloatField()

    def __str__(self) -> str:
        return self.name


# The history, alert and API-key tables live beside the code that writes and reads them.
from runners.alerts.models import Channel, Condition, Delivery, Event, RuleSetting  # noqa: E402
from runners.api.models import ApiKey, BadgeKey  # noqa: E402
from runners.history.models import (  # noqa: E402
    GpuRollup,
    GpuSample,
    Snapshot,
    SnapshotRollup,
    SoftwareChange,
    StatusChange,
)
from runners.intel.models import Baseline, ModelFile, NodeClass, Software  # noqa: E402
from runners.teams.models import AuditEntry, ImportJob, Invite  # noqa: E402

__all__ = [
    "ApiKey",
    "ApiToken",
    "AuditEntry",
    "BadgeKey",
    "Baseline",
    "Channel",
    "Condition",
    "Delivery",
    "Event",
    "GpuRollup",
    "GpuSample",
    "Heartbeat",
    "ImportJob",
    "Invite",
    "Membership",
    "ModelFile",
    "NodeClass",
    "RateBudget",
    "RuleSetting",
    "Runner",
    "RunnerState",
    "ShareLink",
    "Snapshot",
    "SnapshotRollup",
    "Software",
    "SoftwareChange",
    "StatusChange",
    "Team",
]
