"""The teams a user is in, a new team, and a team's audit trail."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from runners import access
from runners.teams import audit, members
from runners.teams.forms import TeamForm


@login_required
def team_list(request: HttpRequest) -> HttpResponse:
    """The user's teams with their role, and how to get into one."""
    context = {"team_roles": access.team_roles(request.user)}
    return render(request, "teams/list.html", context)


@login_required
def new_team(request: HttpRequest) -> HttpResponse:
    """Create a team (superusers); its creator becomes its owner and goes on to add runners."""
    if not request.user.is_superuser:
        raise PermissionDenied("Only the installation's administrators create teams.")
    form = TeamForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            team = members.create_team(form.cleaned_data["name"].strip(), request.user)
        except ValidationError as error:
            form.add_error("name", error)
        else:
            return redirect("team-runner-add", team=team.slug)
    return render(request, "teams/new.html", {"form": form})


@login_required
def audit_trail(request: HttpRequest, team: str) -> HttpResponse:
    """Who did what in the team, newest first (owners)."""
    owned = access.get_owned_team(request.user, team)
    context = {"team": owned, "role": "owner", "entries": audit.recent(owned)}
    return render(request, "teams/audit.html", context)
