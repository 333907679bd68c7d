"""API and badge keys: made once, shown once, stored as a SHA-256, revocable."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.contrib.auth.base_user import AbstractBaseUser
from django.utils import timezone

from runners.models import ApiKey, BadgeKey, Runner, Team
from runners.sharing import secret_hash

API_KEY_PREFIX = "cwk_"
BADGE_KEY_PREFIX = "cwb_"
SHOWN_CHARS = 8  # of the key, after its prefix, kept so that owners can tell keys apart
LAST_USE_EVERY_S = 60  # a scrape every 15 s must not write on every request


def _new_key(prefix: str) -> tuple[str, str]:
    key = prefix + secrets.token_urlsafe(30)
    return key, key[: len(prefix) + SHOWN_CHARS]


def create_api_key(team: Team, user: AbstractBaseUser, label: str) -> tuple[ApiKey, str]:
    """A new read-only key to the team's runners, and the key itself (shown once, not stored)."""
    key, prefix = _new_key(API_KEY_PREFIX)
    api_key = ApiKey.objects.create(
        team=team, label=label, key_hash=secret_hash(key), prefix=prefix, created_by=user
    )
    return api_key, key


def create_badge_key(runner: Runner, user: AbstractBaseUser, label: str) -> tuple[BadgeKey, str]:
    """A new badge address for the runner, showing `label`; the key is shown once."""
    key, prefix = _new_key(BADGE_KEY_PREFIX)
    badge = BadgeKey.objects.create(
        runner=runner, label=label, key_hash=secret_hash(key), prefix=prefix, created_by=user
    )
    return badge, key


def api_key_for(key: str) -> ApiKey | None:
    """The active API key, its last use recorded (at most once a minute); None if unknown or
    revoked."""
    if not key.startswith(API_KEY_PREFIX):
        return None
    found = (
        ApiKey.objects.select_related("team")
        .filter(key_hash=secret_hash(key), revoked_at__isnull=True)
        .first()
    )
    if found is not None:
        now = timezone.now()
        if found.last_used_at is None or found.last_used_at < now - timedelta(
            seconds=LAST_USE_EVERY_S
        ):
            ApiKey.objects.filter(pk=found.pk).update(last_used_at=now)
            found.last_used_at = now
    return found


def badge_for(key: str) -> BadgeKey | None:
    """The active badge key with its runner's state; None if unknown or revoked."""
    if not key.startswith(BADGE_KEY_PREFIX):
        return None
    return (
        BadgeKey.objects.select_related("runner__state")
        .filter(key_hash=secret_hash(key), revoked_at__isnull=True)
        .first()
    )


def revoke(key: ApiKey | BadgeKey) -> None:
    """Refuse the key from now on."""
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
