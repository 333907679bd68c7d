"""Invite links: single use, expiring, with the role chosen up front."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from runners.models import Invite, Membership, Team
from runners.sharing import secret_hash
from runners.teams import audit

VALID_FOR = timedelta(days=7)
GONE = "This invite link was already used, was revoked, or has expired. Ask for a new one."


def create(team: Team, role: str, by: AbstractBaseUser) -> tuple[Invite, str]:
    """A new invite and its secret; the secret is shown once and never stored."""
    token = secrets.token_urlsafe(24)
    invite = Invite.objects.create(
        team=team,
        role=role,
        token_hash=secret_hash(token),
        created_by=by,
        expires_at=timezone.now() + VALID_FOR,
    )
    audit.note(team, by, audit.Action.MEMBER_INVITED, Membership.Role(role).label.lower())
    return invite, token


def open_invite(token: str) -> Invite | None:
    """The open invite with this secret and its team, or None."""
    invite = Invite.objects.select_related("team").filter(token_hash=secret_hash(token)).first()
    return invite if invite is not None and invite.is_open else None


def pending(team: Team) -> list[Invite]:
    """The team's invites that can still be used."""
    now = timezone.now()
    return list(
        team.invites.filter(used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now)
    )


def is_member(invite: Invite, user: AbstractBaseUser) -> bool:
    return Membership.objects.filter(team=invite.team_id, user=user.pk).exists()


@transaction.atomic
def accept(invite: Invite, user: AbstractBaseUser) -> bool:
    """Add the user to the invite's team and use the invite up; False when it was used, revoked
    or expired meanwhile, or the user is already in the team."""
    now = timezone.now()
    claimed = Invite.objects.filter(
        pk=invite.pk, used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
    ).update(used_at=now, used_by=user)
    if not claimed or is_member(invite, user):
        transaction.set_rollback(True)
        return False
    Membership.objects.create(team=invite.team, user=user, role=invite.role)
    role = Membership.Role(invite.role).label.lower()
    audit.note(invite.team, user, audit.Action.MEMBER_JOINED, role)
    return True


def revoke(invite: Invite, by: AbstractBaseUser) -> None:
    if Invite.objects.filter(pk=invite.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    ):
        role = Membership.Role(invite.role).label.lower()
        audit.note(invite.team, by, audit.Action.INVITE_REVOKED, role)
