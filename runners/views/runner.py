from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_POST

from runners import access, cards, sharing
from runners.forms import ShareLinkForm
from runners.history import changelog, uptime
from runners.models import Membership, Runner
from runners.polling.background import refresh_soon
from runners.stats import RunnerStats, first_files
from runners.teams import bookmarks
from runners.units import now_ts
from runners.views.cards import member_audience, page_poll
from runners.views.trend import range_switch, trend_for

# The runner page lists this many extension files at most; a hostile runner sends thousands.
MAX_LISTED_FILES = 300
# What a poll replaces when the runner changed: all but the forms, whose input it would lose.
PARTS = ("page", "history")


@login_required
def runner_page(request: HttpRequest, team: str, slug: str) -> HttpResponse:
    """The runner's page; for htmx (a chart range switch) only its charts, and the page's
    poller again, so that its next poll keeps the new range."""
    runner, role = access.get_runner(request.user, team, slug)
    if request.htmx:
        audience = member_audience(runner, role)
        poll = page_poll(request, "runner-poll", [team, slug], runner, audience)
        return range_switch(request, runner, poll)
    refresh_soon([runner])
    return render(request, "runners/runner.html", _page(request, runner, role))


@login_required
def runner_poll(request: HttpRequest, team: str, slug: str) -> HttpResponse:
    """The runner page's one poll per tick: 204 while its card is current, else the whole
    page again, so that the card, the charts and the side panels never disagree."""
    runner, role = access.get_runner(request.user, team, slug)
    refresh_soon([runner])
    poll = page_poll(request, "runner-poll", [team, slug], runner, member_audience(runner, role))
    if request.GET.get("cursor") == poll["cursor"]:
        return HttpResponse(status=204)
    context = {**_page(request, runner, role), "oob": True}
    parts = [render_to_string(f"runners/runner.html#{name}", context, request) for name in PARTS]
    return HttpResponse("".join(parts))


@login_required
@require_POST
def delete(request: HttpRequest, team: str, slug: str) -> HttpResponse:
    """Delete the bookmark and its history; the runner itself is not touched."""
    runner = access.get_owned_runner(request.user, team, slug)
    bookmarks.delete(runner, request.user)
    messages.success(request, f"Deleted the bookmark of {runner.name} and its history.")
    return redirect("dashboard")


def _page(request: HttpRequest, runner: Runner, role: str) -> dict[str, Any]:
    audience = member_audience(runner, role)
    card = cards.cards_for([runner], audience)[0]
    now = now_ts()
    return {
        "card": card,
        "runner": runner,
        "stats": card.stats,
        "card_html": cards.card_html(card),
        **page_poll(request, "runner-poll", [runner.team.slug, runner.slug], runner, audience),
        **_extension_listing(card.stats),
        "can_share": role in access.EDITOR_ROLES,
        "is_owner": role == Membership.Role.OWNER,
        "can_see_argv": request.user.is_staff or role == Membership.Role.OWNER,
        "trend": trend_for(request, runner),
        "uptime": uptime.windows_for(runner.pk, now),
        "status_log": uptime.status_log(runner.pk, now, _current_status(card)),
        "software_changes": changelog.recent(runner.pk),
        "share_links": sharing.links_for(runner),
        "share_form": ShareLinkForm(),
    }


def _current_status(card: cards.Card) -> tuple[str, int] | None:
    state = card.state
    if state is None or state.fetched_at is None:
        return None
    return state.status, int(state.status_since.timestamp())


def _extension_listing(stats: RunnerStats | None) -> dict[str, object]:
    if stats is None:
        return {"listed_packs": (), "files_unlisted": 0}
    packs = first_files(stats.packs, MAX_LISTED_FILES)
    listed = sum(len(pack.files) for pack in packs)
    return {"listed_packs": packs, "files_unlisted": stats.extension_count - listed}
