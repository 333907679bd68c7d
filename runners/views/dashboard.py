from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from runners import access, cards
from runners.fleet.strip import strip_for
from runners.forms import DashboardFilterForm

PAGE_SIZE = 100
# The table view's columns: (sort key or "", heading).
TABLE_COLUMNS = [
    ("attention", "Status"), ("name", "Name"), ("team", "Team"), ("", "Source"), ("", "GPUs"),
    ("vram", "Most free VRAM"), ("", "RAM free"), ("", "ComfyUI"), ("", "Queue"),
    ("", "Packs"), ("seen", "Data age"),
]  # fmt: skip


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    teams = list(access.teams_for(request.user).values_list("slug", "name"))
    form = DashboardFilterForm(request.GET, teams=teams)
    visible = access.runners_for(request.user)
    listed = form.apply(
        visible.select_related("team", "state").defer("headers", "notes", "state__raw")
    )
    page = Paginator(listed, PAGE_SIZE).get_page(request.GET.get("page"))
    runners = list(page.object_list)
    audience = cards.Audience.members(access.editable_team_ids(request.user))
    context = {
        "form": form,
        "page": page,
        "runners": runners,
        "fragments": cards.cards_html(runners, audience, form.chosen_view),
        "strip": strip_for(visible),
        "stretched_to": cards.stretched_interval(runners),
        "has_teams": bool(teams),
        "table_columns": TABLE_COLUMNS,
    }
    template = "runners/dashboard.html#grid" if request.htmx else "runners/dashboard.html"
    return render(request, template, context)
