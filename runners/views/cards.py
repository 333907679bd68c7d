"""What every page that shows one runner's card shares: its audience, its poll, its refresh."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.http import require_POST
from django_htmx.http import trigger_client_event

from runners import access, cards
from runners.cards.cursor import cursor, poll_tick
from runners.models import Runner
from runners.polling.background import refresh_soon
from runners.polling.refresh import MANUAL_REFRESH_GAP_S


@login_required
@require_POST
def refresh_now(request: HttpRequest, team: str, slug: str) -> HttpResponse:
    """Start a fetch off the request and say so; the page's next poll shows what it brought."""
    runner, _ = access.get_editable_runner(request.user, team, slug)
    fetched_at = runner.state.fetched_at if hasattr(runner, "state") else None
    age = (timezone.now() - fetched_at).total_seconds() if fetched_at else None
    if age is not None and age < MANUAL_REFRESH_GAP_S:
        wait = max(1, round(MANUAL_REFRESH_GAP_S - age))
        message = f"Fresh: fetched {int(age)} s ago. The next fetch may start in {wait} s."
    else:
        refresh_soon([runner], force=True)
        message = "Fetching now…"
    response = HttpResponse(format_html('<span class="small" role="status">{}</span>', message))
    return trigger_client_event(response, "poll-now")


def member_audience(runner: Runner, role: str) -> cards.Audience:
    """The audience of a team member with `role`: editors may refresh the runner."""
    return cards.Audience.members([runner.team_id] if role in access.EDITOR_ROLES else [])


def page_poll(
    request: HttpRequest, name: str, args: list[str], runner: Runner, audience: cards.Audience
) -> dict[str, Any]:
    """The cursor, poll URL and tick of a page that shows one runner's card, and the page's
    own URL (`name` without "-poll"), which its range links keep whatever answered."""
    page_cursor = cursor(cards.keys_for([runner], audience))
    query = {"cursor": page_cursor, **({"range": r} if (r := request.GET.get("range")) else {})}
    return {
        "cursor": page_cursor,
        "poll_url": f"{reverse(name, args=args)}?{urlencode(query)}",
        "poll_tick": poll_tick([runner]),
        "page_url": reverse(name.removesuffix("-poll"), args=args),
    }
