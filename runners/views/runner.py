from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from runners import access, cards, sharing
from runners.forms import ShareLinkForm
from runners.history import changelog, uptime
from runners.models import Membership
from runners.stats import RunnerStats, first_files
from runners.units import now_ts
from runners.views.trend import trend_for

# The runner page lists this many extension files at most; a hostile runner sends thousands.
MAX_LISTED_FILES = 300


@login_required
def runner_page(request: HttpRequest, team: str, slug: str) -> HttpResponse:
    """The runner's page; for htmx (a chart range switch) only its charts."""
    runner, role = access.get_runner(request.user, team, slug)
    if request.htmx:
        return render(request, "runners/runner.html#charts", {"trend": trend_for(request, runner)})
    can_edit = role in access.EDITOR_ROLES
    card = cards.cards_for([runner], cards.Audience.members([runner.team_id] if can_edit else []))[
        0
    ]
    now = now_ts()
    context = {
        "card": card,
        **_extension_listing(card.stats),
        "card_html": cards.card_html(card),
        "can_share": role in access.EDITOR_ROLES,
        "can_see_argv": request.user.is_staff or role == Membership.Role.OWNER,
        "status_runs": uptime.status_runs(runner.pk),
        "trend": trend_for(request, runner),
        "uptime": uptime.windows_for(runner.pk, now),
        "outages": uptime.outages(runner.pk, now),
        "software_changes": changelog.recent(runner.pk),
        "share_links": sharing.links_for(runner),
        "share_form": ShareLinkForm(),
    }
    return render(request, "runners/runner.html", context)


def _extension_listing(stats: RunnerStats | None) -> dict[str, object]:
    if stats is None:
        return {"listed_packs": (), "files_unlisted": 0}
    packs = first_files(stats.packs, MAX_LISTED_FILES)
    listed = sum(len(pack.files) for pack in packs)
    return {"listed_packs": packs, "files_unlisted": stats.extension_count - listed}
