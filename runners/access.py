"""Team scoping: the one place that decides which teams and runners a user may see and change.

Another team's runner is a 404, never a 403, so its existence is not revealed; a runner the
user may see but not change is a 403.
"""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import Http404

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


def get_runner(user: User, team_slug: str, runner_slug: str) -> tuple[Runner, str]:
    """The runner at this address and the user's role in its team, in one query.

    Superusers act as owners. Raises Http404 when the user may not see the runner.
    """
    if not user.is_authenticated:
        raise Http404
    runners = Runner.objects.select_related("team", "state", "token").filter(
        team__slug=team_slug, slug=runner_slug
    )
    if not user.is_superuser:
        role = Membership.objects.filter(user=user, team=OuterRef("team")).values("role")[:1]
        runners = runners.annotate(role=Subquery(role)).filter(role__isnull=False)
    runner = runners.first()
    if runner is None:
        raise Http404
    return runner, getattr(runner, "role", Membership.Role.OWNER)


def get_editable_runner(user: User, team_slug: str, runner_slug: str) -> tuple[Runner, str]:
    """As `get_runner`, for a change: raises PermissionDenied when the user is a viewer."""
    runner, role = get_runner(user, team_slug, runner_slug)
    if role not in EDITOR_ROLES:
        raise PermissionDenied("Viewers can look at runners but not change them.")
    return runner, role


def get_owned_runner(user: User, team_slug: str, runner_slug: str) -> Runner:
    """As `get_runner`, for what only owners may do: raises PermissionDenied for others."""
    runner, role = get_runner(user, team_slug, runner_slug)
    if role != Membership.Role.OWNER:
        raise PermissionDenied("Only the team's owners can delete its runners.")
    return runner


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


def get_team(user: User, team_slug: str) -> tuple[Team, str]:
    """The team at this address and the user's role in it; superusers act as owners.

    Raises Http404 when the user is not in the team.
    """
    if not user.is_authenticated:
        raise Http404
    team = Team.objects.filter(slug=team_slug).first()
    if team is None:
        raise Http404
    if user.is_superuser:
        return team, Membership.Role.OWNER
    role = Membership.objects.filter(user=user, team=team).values_list("role", flat=True).first()
    if role is None:
        raise Http404
    return team, role


def get_editable_team(user: User, team_slug: str) -> Team:
    """As `get_team`, for adding and changing runners: raises PermissionDenied for viewers."""
    team, role = get_team(user, team_slug)
    if role not in EDITOR_ROLES:
        raise PermissionDenied("Viewers can look at runners but not add or change them.")
    return team


def get_owned_team(user: User, team_slug: str) -> Team:
    """As `get_team`, for managing members and tokens: raises PermissionDenied for non-owners."""
    team, role = get_team(user, team_slug)
    if role != Membership.Role.OWNER:
        raise PermissionDenied("Only the team's owners manage its members, tokens and alerts.")
    return team


def team_roles(user: User) -> list[tuple[Team, str]]:
    """The user's teams with their role in each, by name; superusers own every team."""
    if user.is_superuser:
        return [(team, Membership.Role.OWNER) for team in Team.objects.order_by("name")]
    memberships = Membership.objects.filter(user=user).select_related("team")
    return [(m.team, m.role) for m in memberships.order_by("team__name")]
