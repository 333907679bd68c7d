"""An owner's page of members and invites, and the invite link a newcomer opens."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from runners import access
from runners.models import Invite, Membership, Team
from runners.teams import invites, members
from runners.teams.forms import InviteForm, RoleForm, SignUpForm


@login_required
def member_list(request: HttpRequest, team: str) -> HttpResponse:
    """The team's members with their roles, and its open invites (owners)."""
    owned = access.get_owned_team(request.user, team)
    return render(request, "teams/members.html", _members(request, owned))


@login_required
@require_POST
def invite(request: HttpRequest, team: str) -> HttpResponse:
    """Make an invite link with the chosen role; its secret is shown this once."""
    owned = access.get_owned_team(request.user, team)
    form = InviteForm(request.POST)
    if not form.is_valid():
        return render(request, "teams/members.html", _members(request, owned, invite_form=form))
    _, token = invites.create(owned, form.cleaned_data["role"], request.user)
    link = request.build_absolute_uri(reverse("invite", args=[token]))
    return render(request, "teams/members.html", _members(request, owned, new_invite_url=link))


@login_required
@require_POST
def revoke_invite(request: HttpRequest, team: str, invite_id: int) -> HttpResponse:
    """Make an open invite link unusable."""
    owned = access.get_owned_team(request.user, team)
    invites.revoke(get_object_or_404(owned.invites, pk=invite_id), request.user)
    messages.success(request, "Revoked the invite link.")
    return redirect("team-members", team=owned.slug)


@login_required
@require_POST
def change_role(request: HttpRequest, team: str, user_id: int) -> HttpResponse:
    """Give a member another role; the last owner cannot step down."""
    owned = access.get_owned_team(request.user, team)
    membership = get_object_or_404(owned.memberships.select_related("user"), user_id=user_id)
    form = RoleForm(request.POST)
    if form.is_valid():
        _apply(request, members.change_role, membership, form.cleaned_data["role"], request.user)
    return redirect("team-members", team=owned.slug)


@login_required
@require_POST
def remove_member(request: HttpRequest, team: str, user_id: int) -> HttpResponse:
    """Take a member out of the team and revoke their share links; never the last owner."""
    owned = access.get_owned_team(request.user, team)
    membership = get_object_or_404(owned.memberships.select_related("user"), user_id=user_id)
    if _apply(request, members.remove, membership, request.user):
        name = membership.user.get_username()
        messages.success(request, f"Removed {name}; their share links were revoked.")
    return redirect("team-members", team=owned.slug)


@login_required
@require_POST
def leave(request: HttpRequest, team: str) -> HttpResponse:
    """Leave a team; the last owner cannot."""
    joined, _ = access.get_team(request.user, team)
    membership = get_object_or_404(Membership, team=joined, user=request.user)
    if _apply(request, members.remove, membership, request.user):
        messages.success(request, f"You left {joined.name}.")
        return redirect("dashboard")
    return redirect("teams")


def accept_invite(request: HttpRequest, token: str) -> HttpResponse:
    """Whoever opens an invite signs up or logs in, then joins the team with its role."""
    found = invites.open_invite(token)
    if found is None:
        return render(request, "teams/invite.html", {"gone": invites.GONE}, status=404)
    form = SignUpForm(request.POST or None) if not request.user.is_authenticated else None
    if request.method == "POST":
        if form is not None:
            if not form.is_valid():
                return render(request, "teams/invite.html", _invite(found, token, form))
            login(request, form.save(), backend="django.contrib.auth.backends.ModelBackend")
        return _join(request, found)
    return render(request, "teams/invite.html", _invite(found, token, form))


def _join(request: HttpRequest, found: Invite) -> HttpResponse:
    if invites.is_member(found, request.user):
        messages.info(request, f"You are already in {found.team.name}.")
    elif invites.accept(found, request.user):
        messages.success(request, f"Welcome to {found.team.name}.")
    else:
        return render(request, "teams/invite.html", {"gone": invites.GONE}, status=404)
    return redirect("dashboard")


def _invite(found: Invite, token: str, form: SignUpForm | None) -> dict[str, Any]:
    login_url = f"{reverse('login')}?next={reverse('invite', args=[token])}"
    return {"invite": found, "form": form, "login_url": login_url}


def _apply(request: HttpRequest, change: Callable[..., None], *args: Any) -> bool:
    """Run a membership change; a refusal (the last owner) becomes a message."""
    try:
        change(*args)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return False
    return True


def _members(request: HttpRequest, team: Team, **context: Any) -> dict[str, Any]:
    return {
        "team": team,
        "role": "owner",
        "members": members.members_of(team),
        "invites": invites.pending(team),
        "invite_form": context.pop("invite_form", InviteForm()),
        "roles": Membership.Role.choices,
        **context,
    }
