"""Alert tables: channels, rule settings, open conditions, events and their deliveries.

Part of the runners app's models (runners/models.py imports them).
"""

from __future__ import annotations

import uuid

from django.db import models

from runners.fields import EncryptedTextField


class Channel(models.Model):
    """Where a team's alerts go. `target` (a URL or an address) is encrypted: Slack and Discord
    webhook URLs are credentials. Owners see `hint` only."""

    class Kind(models.TextChoices):
        WEBHOOK = "webhook", "Webhook (signed JSON)"
        SLACK = "slack", "Slack incoming webhook"
        DISCORD = "discord", "Discord webhook"
        EMAIL = "email", "Email"

    team = models.ForeignKey("runners.Team", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    label = models.CharField(max_length=100)
    target = EncryptedTextField()
    hint = models.CharField(max_length=120, editable=False)
    signing_secret = EncryptedTextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Set by the last delivery that failed, cleared by the next that succeeds.
    failing_since = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["label"]
        constraints = [
            models.UniqueConstraint(fields=["team", "label"], name="unique_channel_label")
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.kind})"


class RuleSetting(models.Model):
    """One rule on or off, with its figures: the team's (no runner) or one runner's override."""

    team = models.ForeignKey("runners.Team", on_delete=models.CASCADE, related_name="+")
    runner = models.ForeignKey(
        "runners.Runner", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=30)
    enabled = models.BooleanField(default=True)
    minutes = models.PositiveIntegerField(null=True, blank=True)
    gib = models.FloatField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["team", "kind"],
                condition=models.Q(runner__isnull=True),
                name="one_team_rule_setting",
            ),
            models.UniqueConstraint(
                fields=["team", "runner", "kind"],
                condition=models.Q(runner__isnull=False),
                name="one_runner_rule_setting",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} ({'on' if self.enabled else 'off'})"


class Condition(models.Model):
    """A rule's condition that holds now (since `since_ts`), and whether it was alerted.

    `key` names the subject: "runner:<id>" or "team"; only one row per team, key and kind.
    """

    team = models.ForeignKey("runners.Team", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=40)
    kind = models.CharField(max_length=30)
    since_ts = models.IntegerField()
    alerted = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "key", "kind"], name="one_condition")
        ]

    def __str__(self) -> str:
        return f"{self.key} {self.kind} since {self.since_ts}"


class Event(models.Model):
    """Something worth an alert; its id is the stable id receivers deduplicate on."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    team = models.ForeignKey("runners.Team", on_delete=models.CASCADE, related_name="+")
    runner = models.ForeignKey(
        "runners.Runner", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=30)
    ts = models.IntegerField()
    summary = models.CharField(max_length=300)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-ts"]
        indexes = [models.Index(fields=["ts"], name="event_ts")]

    def __str__(self) -> str:
        return self.summary


class Delivery(models.Model):
    """One event to one channel: claimed, attempted and retried by the collector."""

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        RETRYING = "retrying", "Retrying"
        SENT = "sent", "Sent"
        GAVE_UP = "gave_up", "Gave up"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="deliveries")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    # When it may be tried next; a claim moves it past the attempt's deadline, so a collector
    # that dies mid-attempt leaves the delivery to the next (at least once, never at once twice).
    next_at = models.DateTimeField()
    attempted_at = models.DateTimeField(null=True, blank=True)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-next_at"]
        indexes = [models.Index(fields=["state", "next_at"], name="delivery_due")]
        constraints = [
            models.UniqueConstraint(fields=["event", "channel"], name="one_delivery_per_channel")
        ]

    def __str__(self) -> str:
        return f"{self.event_id} → {self.channel_id}: {self.state}"

    @property
    def is_open(self) -> bool:
        return self.state in (self.State.PENDING, self.State.RETRYING)
