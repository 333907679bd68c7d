"""Public read-only share links: only a hash of the secret is stored."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from runners.models import Membership, Runner, ShareLink


def hash_token(token: str) -> str:
    """The SHA-256 of a secret token: what is stored instead of it."""
    return hashlib.sha256(token.encode()).hexdigest()


def create_link(
    runner: Runner, user: AbstractBaseUser, label: str, expires_in: timedelta | None
) -> tuple[ShareLink, str]:
    """A new link and its secret token; the token is shown once and never stored."""
    token = secrets.token_urlsafe(24)
    link = ShareLink.objects.create(
        runner=runner,
        token_hash=hash_token(token),
        label=label,
        created_by=user,
        expires_at=timezone.now() + expires_in if expires_in else None,
    )
    return link, token


def active_link(token: str) -> ShareLink:
    """The active link with this token and its runner; raises Http404 when revoked or expired."""
    now = timezone.now()
    link = (
        ShareLink.objects.select_related("runner__team", "runner__state", "runner__token")
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now), revoked_at__isnull=True)
        .filter(token_hash=hash_token(token))
        .first()
    )
    if link is None:
        raise Http404("This share link does not exist, was revoked, or has expired.")
    return link


def links_for(runner: Runner) -> list[ShareLink]:
    return list(runner.share_links.select_related("created_by"))


def may_revoke(user: AbstractBaseUser, link: ShareLink, role: str | None) -> bool:
    return role == Membership.Role.OWNER or link.created_by_id == user.pk


def revoke_links_of_member(user_id: int, team_id: int) -> int:
    """Revoke the links `user_id` made to `team_id`'s runners; returns how many were active."""
    return ShareLink.objects.filter(
        created_by_id=user_id, runner__team_id=team_id, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())


def revoke(link: ShareLink) -> None:
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])
