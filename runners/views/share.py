from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST

from runners import access, cards, polling, sharing
from runners.forms import ShareLinkForm
from runners.models import Runner
from runners.views.trend import trend_for


@login_required
@require_POST
def create(request: HttpRequest, team: str, slug: str) -> HttpResponse:
    runner = access.get_runner(request.user, team, slug)
    if access.role_in(request.user, runner.team) not in access.EDITOR_ROLES:
        return HttpResponse("Viewers cannot share runners.", status=403)
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
    return _shares(request, runner, new_share_url=request.build_absolute_uri(f"/s/{token}/"))


@login_required
@require_POST
def revoke(request: HttpRequest, team: str, slug: str, link_id: int) -> HttpResponse:
    runner = access.get_runner(request.user, team, slug)
    link = get_object_or_404(runner.share_links, pk=link_id)
    if not sharing.may_revoke(request.user, link, access.role_in(request.user, runner.team)):
        return HttpResponse("Only the link's creator or a team owner can revoke it.", status=403)
    sharing.revoke(link)
    return _shares(request, runner)


def _shares(request: HttpRequest, runner: Runner, **context: Any) -> HttpResponse:
    context.setdefault("share_form", ShareLinkForm())
    context.update(
        card=cards.card_for(runner), can_share=True, share_links=sharing.links_for(runner)
    )
    return render(request, "runners/runner.html#shares", context)


def public_page(request: HttpRequest, token: str) -> HttpResponse:
    """The shared runner's card and charts; for htmx (a chart range switch) only its charts."""
    link = sharing.active_link(token)
    trend = trend_for(request, link.runner)
    if request.htmx:
        return render(request, "runners/share.html#charts", {"trend": trend})
    context = {"card": cards.public_card_for(link.runner), "token": token, "trend": trend}
    return render(request, "runners/share.html", context)


def public_card(request: HttpRequest, token: str) -> HttpResponse:
    link = sharing.active_link(token)
    polling.refresh(link.runner)
    if request.GET.get("v") == cards.version_of(link.runner):
        return HttpResponse(status=204)
    return render(
        request, "runners/_card.html", {"card": cards.public_card_for(link.runner), "token": token}
    )
