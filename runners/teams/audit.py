"""The audit trail: who did what in a team. Callers pass names and labels, never secrets."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import QuerySet

from runners.models import AuditEntry, Team

Action = AuditEntry.Action
PAGE_SIZE = 200


def note(team: Team, actor: AbstractBaseUser | None, action: Action, subject: str = "") -> None:
    """Add one entry to the team's trail; `subject` names a runner, a token label or a user."""
    AuditEntry.objects.create(
        team=team,
        actor=actor,
        actor_name=actor.get_username() if actor else "comfyweb",
        action=action,
        subject=subject[:200],
    )


def recent(team: Team) -> QuerySet[AuditEntry]:
    """The team's latest entries, newest first."""
    return team.audit.all()[:PAGE_SIZE]
