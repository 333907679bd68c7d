"""A team's ComfyControl tokens: added and replaced once ComfyControl accepts them, deleted."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, QuerySet

from runners.models import ApiToken, Team
from runners.teams import audit


def tokens_of(team: Team) -> QuerySet[ApiToken]:
    """The team's tokens with how many runners each one serves."""
    return team.tokens.annotate(runner_count=Count("runners")).order_by("label")


@transaction.atomic
def add(team: Team, label: str, secret: str, by: AbstractBaseUser) -> ApiToken:
    """Store a token ComfyControl accepted (see polling.probe.check_token)."""
    token = ApiToken.objects.create(team=team, label=label, secret=secret, created_by=by)
    audit.note(team, by, audit.Action.TOKEN_ADDED, f"{label} (…{token.hint})")
    return token


@transaction.atomic
def replace(token: ApiToken, secret: str, by: AbstractBaseUser) -> None:
    """Put a new secret in place of the old; the old one's refusal no longer holds runners."""
    token.secret = secret
    token.rejected_at, token.rejected_status = None, ""
    token.save()
    audit.note(token.team, by, audit.Action.TOKEN_REPLACED, f"{token.label} (…{token.hint})")


@transaction.atomic
def delete(token: ApiToken, by: AbstractBaseUser) -> None:
    """Delete a token no runner uses; raises ValidationError naming how many still do."""
    count = token.runners.count()
    if count:
        raise ValidationError(
            f"{count} runner{'s' if count != 1 else ''} use this token: delete them first, "
            "or replace the token instead."
        )
    audit.note(token.team, by, audit.Action.TOKEN_DELETED, f"{token.label} (…{token.hint})")
    token.delete()
