"""Team scoping: the one place that decides which teams and runners a user may see.

Another team's runner is a 404, never a 403, so its existence is not revealed.
"""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from runners.models import Membership, Runner, Team

User = AbstractBaseUser | AnonymousUser
EDITOR_ROLES = (Membership.Role.OWNER, Membership.Role.MEMBER)


def teams_for(user: User) -> QuerySet[Team]:
    """The teams whose runners the user may see; superusers see every team."""
    if not user.is_authenticated:
        return Team.objects.none()
    if user.is_superuser:
        return Team.objects.all()
    return Team.objects.filter(memberships__user=user)


def runners_for(user: User) -> QuerySet[Runner]:
    """The runners the user may see."""
    return Runner.objects.filter(team__in=teams_for(user))


def get_runner(user: User, team_slug: str, runner_slug: str) -> Runner:
    """The runner at this address if the user may see it; raises Http404 otherwise."""
    return get_object_or_404(
        runners_for(user).select_related("team", "state"), team__slug=team_slug, slug=runner_slug
    )


def role_in(user: User, team: Team) -> str | None:
    """The user's role in the team ("owner", "member", "viewer"), or None."""
    if not user.is_authenticated:
        return None
    if user.is_superuser:
        return Membership.Role.OWNER
    membership = Membership.objects.filter(user=user, team=team).only("role").first()
    return membership.role if membership else None


def editable_team_ids(user: User) -> set[int]:
    """Teams where the user may refresh and share runners (owners and members)."""
    if not user.is_authenticated:
        return set()
    if user.is_superuser:
        return set(Team.objects.values_list("pk", flat=True))
    return set(
        Membership.objects.filter(user=user, role__in=EDITOR_ROLES).values_list(
            "team_id", flat=True
        )
    )
