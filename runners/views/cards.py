"""Card polls: one handler for team pages and share pages, which differ only in the audience."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_POST

from runners import access, cards, polling, sharing
from runners.models import Runner


@login_required
def card(request: HttpRequest, team: str, slug: str) -> HttpResponse:
    runner, role = access.get_runner(request.user, team, slug)
    return _poll(request, runner, member_audience(runner, role))


def share_card(request: HttpRequest, token: str) -> HttpResponse:
    link = sharing.active_link(token)
    return _poll(request, link.runner, cards.Audience.public(token))


@login_required
@require_POST
def refresh_now(request: HttpRequest, team: str, slug: str) -> HttpResponse:
    runner, role = access.get_editable_runner(request.user, team, slug)
    polling.refresh(runner, force=True)
    return HttpResponse(cards.cards_html([runner], member_audience(runner, role))[0])


def _poll(request: HttpRequest, runner: Runner, audience: cards.Audience) -> HttpResponse:
    """Refresh the runner if due; 204 when the card the page shows (`?v=`) is still current."""
    polling.refresh(runner)
    if request.GET.get("v") == cards.version_of(runner):
        return HttpResponse(status=204)
    return HttpResponse(cards.cards_html([runner], audience)[0])


def member_audience(runner: Runner, role: str) -> cards.Audience:
    """The audience of a team member with `role`: editors may refresh the runner."""
    return cards.Audience.members([runner.team_id] if role in access.EDITOR_ROLES else [])
