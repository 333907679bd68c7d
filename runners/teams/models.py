"""Team self-service tables: invites, the audit trail and runner imports.

Part of the runners app's models (runners/models.py imports them).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

# Imported at the end of runners/models.py, once Membership exists.
from runners.models import Membership


class Invite(models.Model):
    """A single-use, expiring link that adds whoever opens it to a team with a chosen role.

    Only the SHA-256 of its secret is stored, as for share links.
    """

    team = models.ForeignKey("runners.Team", on_delete=models.CASCADE, related_name="invites")
    role = models.CharField(max_length=10, choices=Membership.Role.choices)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invite to {self.team} as {self.role}"

    @property
    def is_open(self) -> bool:
        """Not used, not revoked and not expired."""
        return self.used_at is None and self.revoked_at is None and self.expires_at > timezone.now()


class AuditEntry(models.Model):
    """Who did what in a team, and when. `subject` names a runner, token label or user: never
    a secret value."""

    class Action(models.TextChoices):
        TEAM_CREATED = "team_created", "created the team"
        RUNNER_ADDED = "runner_added", "added runner"
        RUNNER_CHANGED = "runner_changed", "changed runner"
        RUNNER_PAUSED = "runner_paused", "paused runner"
        RUNNER_RESUMED = "runner_resumed", "resumed runner"
        RUNNER_DELETED = "runner_deleted", "deleted runner"
        TOKEN_ADDED = "token_added", "added token"
        TOKEN_REPLACED = "token_replaced", "replaced token"
        TOKEN_DELETED = "token_deleted", "deleted token"
        RUNNERS_IMPORTED = "runners_imported", "imported runners with token"
        MEMBER_INVITED = "member_invited", "created an invite link for a new"
        INVITE_REVOKED = "invite_revoked", "revoked an invite link for a new"
        MEMBER_JOINED = "member_joined", "joined as"
        ROLE_CHANGED = "role_changed", "changed the role of"
        MEMBER_REMOVED = "member_removed", "removed member"
        MEMBER_LEFT = "member_left", "left the team"

    team = models.ForeignKey("runners.Team", on_delete=models.CASCADE, related_name="audit")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(max_length=150)  # kept when the user is deleted
    action = models.CharField(max_length=20, choices=Action.choices)
    subject = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["team", "-at"], name="audit_by_team")]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.actor_name} {self.get_action_display()} {self.subject}"


class ImportJob(models.Model):
    """One run of "Import runners" for a token, done off the request; its page polls this row."""

    class State(models.TextChoices):
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    token = models.ForeignKey("runners.ApiToken", on_delete=models.CASCADE, related_name="imports")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.RUNNING)
    listed = models.PositiveIntegerField(default=0)  # runners listed so far
    total = models.PositiveIntegerField(null=True, blank=True)  # as ComfyControl counts them
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    removed = models.PositiveIntegerField(default=0)
    sentence = models.CharField(max_length=300, blank=True)  # a failure, or what was skipped

    class Meta:
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"Import with {self.token} ({self.state})"

    @property
    def is_running(self) -> bool:
        return self.state == self.State.RUNNING
