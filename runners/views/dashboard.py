from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from runners import access, cards
from runners.forms import DashboardFilterForm


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    teams = list(access.teams_for(request.user).values_list("slug", "name"))
    form = DashboardFilterForm(request.GET, teams=teams)
    runners = list(
        form.apply(
            access.runners_for(request.user)
            .select_related("team", "state")
            .defer("headers", "notes", "state__raw")
        )
    )
    audience = cards.Audience.members(access.editable_team_ids(request.user))
    context = {
        "form": form,
        "runners": runners,
        "card_html": cards.cards_html(runners, audience),
        "stretched_to": cards.stretched_interval(runners),
        "has_teams": bool(teams),
        "is_filtered": form.is_filtered,
    }
    template = "runners/dashboard.html#grid" if request.htmx else "runners/dashboard.html"
    return render(request, template, context)
