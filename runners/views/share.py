from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from runners import access, cards, sharing
from runners.forms import ShareLinkForm
from runners.models import Runner
from runners.polling.background import refresh_soon
from runners.views.cards import page_poll
from runners.views.trend import range_switch, trend_for


@login_required
@require_POST
def create(request: HttpRequest, team: str, slug: str) -> HttpResponse:
    runner, _ = access.get_editable_runner(request.user, team, slug)
    form = ShareLinkForm(request.POST)
    if not form.is_valid():
        return _shares(request, runner, share_form=form)
    days = form.cleaned_data["expires_in_days"]
    _, token = sharing.create_link(
        runner,
        request.user,
        form.cleaned_data["label"],
        timedelta(days=int(days)) if days else None,
    )
    new_share_url = request.build_absolute_uri(reverse("share", args=[token]))
    return _shares(request, runner, new_share_url=new_share_url)


@login_required
@require_POST
def revoke(request: HttpRequest, team: str, slug: str, link_id: int) -> HttpResponse:
    runner, role = access.get_runner(request.user, team, slug)
    link = get_object_or_404(runner.share_links, pk=link_id)
    if not sharing.may_revoke(request.user, link, role):
        raise PermissionDenied("Only the link's creator or a team owner can revoke it.")
    sharing.revoke(link)
    return _shares(request, runner)


def _shares(request: HttpRequest, runner: Runner, **context: Any) -> HttpResponse:
    context.setdefault("share_form", ShareLinkForm())
    context.update(runner=runner, can_share=True, share_links=sharing.links_for(runner))
    return render(request, "runners/runner.html#shares", context)


def public_page(request: HttpRequest, token: str) -> HttpResponse:
    """The shared runner's card and charts; for htmx (a chart range switch) only its charts."""
    link = sharing.active_link(token)
    if request.htmx:
        audience = cards.Audience.public(token)
        poll = page_poll(request, "share-poll", [token], link.runner, audience)
        return range_switch(request, link.runner, poll)
    refresh_soon([link.runner])
    return render(request, "runners/share.html", _public(request, link.runner, token))


def public_poll(request: HttpRequest, token: str) -> HttpResponse:
    """The share page's one poll per tick, as the runner page's."""
    link = sharing.active_link(token)
    refresh_soon([link.runner])
    poll = page_poll(request, "share-poll", [token], link.runner, cards.Audience.public(token))
    if request.GET.get("cursor") == poll["cursor"]:
        return HttpResponse(status=204)
    return render(
        request, "runners/share.html#page", {**_public(request, link.runner, token), "oob": True}
    )


def _public(request: HttpRequest, runner: Runner, token: str) -> dict[str, Any]:
    audience = cards.Audience.public(token)
    card = cards.cards_for([runner], audience)[0]
    return {
        "card": card,
        "card_html": cards.card_html(card),
        "trend": trend_for(request, runner),
        **page_poll(request, "share-poll", [token], runner, audience),
    }
