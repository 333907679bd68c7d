from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from runners import access, cards, fragments
from runners.dashboard import STATUS_CHOICES, runner_list
from runners.forms import DashboardFilterForm


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    teams = list(access.teams_for(request.user).values_list("slug", "name"))
    form = DashboardFilterForm(request.GET, teams=teams, statuses=STATUS_CHOICES)
    filters = form.cleaned_data if form.is_valid() else {}
    runners = list(runner_list(request.user, filters))
    context = {
        "form": form,
        "runners": runners,
        "card_html": fragments.cards_html(runners, access.editable_team_ids(request.user)),
        "stretched_to": cards.stretched_interval(runners),
        "has_teams": bool(teams),
        "is_filtered": any(value not in (None, "") for value in filters.values()),
    }
    template = "runners/dashboard.html#grid" if request.htmx else "runners/dashboard.html"
    return render(request, template, context)
