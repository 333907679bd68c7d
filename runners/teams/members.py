"""Members of a team: creating a team, changing roles, removing members. A team always keeps
an owner."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from runners.models import Membership, Team
from runners.teams import audit

Role = Membership.Role
LAST_OWNER = "A team needs an owner: make someone else an owner first."


@transaction.atomic
def create_team(name: str, creator: AbstractBaseUser) -> Team:
    """A new team with `creator` as its owner; raises ValidationError when the name is taken."""
    slug = slugify(name)[:100]
    if not slug:
        raise ValidationError("Use letters or digits in the name.")
    if Team.objects.filter(name__iexact=name).exists() or Team.objects.filter(slug=slug).exists():
        raise ValidationError("A team with this name already exists.")
    team = Team.objects.create(name=name, slug=slug)
    Membership.objects.create(user=creator, team=team, role=Role.OWNER)
    audit.note(team, creator, audit.Action.TEAM_CREATED, team.name)
    return team


def members_of(team: Team) -> list[Membership]:
    """The team's memberships with their users, owners first."""
    order = {Role.OWNER: 0, Role.MEMBER: 1, Role.VIEWER: 2}
    memberships = team.memberships.select_related("user")
    return sorted(memberships, key=lambda m: (order[m.role], m.user.get_username().lower()))


@transaction.atomic
def change_role(membership: Membership, role: str, by: AbstractBaseUser) -> None:
    """Give the member another role; raises ValidationError when the last owner would step down."""
    locked = _locked(membership)
    if locked.role == role:
        return
    if locked.role == Role.OWNER and _owner_count(locked.team) == 1:
        raise ValidationError(LAST_OWNER)
    Membership.objects.filter(pk=locked.pk).update(role=role)
    subject = f"{locked.user.get_username()} to {Role(role).label.lower()}"
    audit.note(locked.team, by, audit.Action.ROLE_CHANGED, subject)


@transaction.atomic
def remove(membership: Membership, by: AbstractBaseUser) -> None:
    """Take the member out of the team; their share links to its runners are revoked (by the
    pre_delete receiver). Raises ValidationError for the last owner."""
    locked = _locked(membership)
    if locked.role == Role.OWNER and _owner_count(locked.team) == 1:
        raise ValidationError(LAST_OWNER)
    leaving = locked.user_id == by.pk
    locked.delete()
    if leaving:
        audit.note(locked.team, by, audit.Action.MEMBER_LEFT)
    else:
        audit.note(locked.team, by, audit.Action.MEMBER_REMOVED, locked.user.get_username())


def _locked(membership: Membership) -> Membership:
    # Two owners demoting each other at once must not leave the team without one.
    owners = Membership.objects.select_for_update().filter(team=membership.team_id, role=Role.OWNER)
    list(owners.values_list("pk", flat=True))
    return Membership.objects.select_related("user", "team").get(pk=membership.pk)


def _owner_count(team: Team) -> int:
    return team.memberships.filter(role=Role.OWNER).count()
