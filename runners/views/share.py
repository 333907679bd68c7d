from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST

from runners import access, cards, polling, sharing
from runners.forms import ShareLinkForm
from runners.views.runner import EDITORS


@login_required
@require_POST
def create(request: HttpRequest, team: str, slug: str) -> HttpResponse:
    runner = access.get_runner(request.user, team, slug)
    role = access.role_in(request.user, runner.team)
    if role not in EDITORS:
        return HttpResponse("Viewers cannot share runners.", status=403)
    form = ShareLinkForm(request.POST)
    context = {"card": cards.card_for(runner), "share_form": form, "role": role, "can_edit": True}
    if form.is_valid():
        days = form.cleaned_data["expires_in_days"]
        _, token = sharing.create_link(
            runner,
            request.user,
            form.cleaned_data["label"],
            timedelta(days=int(days)) if days else None,
        )
        context["new_share_url"] = request.build_absolute_uri(f"/s/{token}/")
        context["share_form"] = ShareLinkForm()
    context["share_links"] = sharing.links_for(runner)
    return render(request, "runners/runner.html#shares", context)


@login_required
@require_POST
def revoke(request: HttpRequest, team: str, slug: str, link_id: int) -> HttpResponse:
    runner = access.get_runner(request.user, team, slug)
    role = access.role_in(request.user, runner.team)
    link = get_object_or_404(runner.share_links, pk=link_id)
    if not sharing.may_revoke(request.user, link, role):
        return HttpResponse("Only the link's creator or a team owner can revoke it.", status=403)
    sharing.revoke(link)
    context = {
        "card": cards.card_for(runner),
        "share_form": ShareLinkForm(),
        "share_links": sharing.links_for(runner),
        "role": role,
        "can_edit": role in EDITORS,
    }
    return render(request, "runners/runner.html#shares", context)


def public_page(request: HttpRequest, token: str) -> HttpResponse:
    link = sharing.active_link(token)
    return render(
        request, "runners/share.html", {"card": cards.card_for(link.runner), "token": token}
    )


def public_card(request: HttpRequest, token: str) -> HttpResponse:
    link = sharing.active_link(token)
    polling.refresh(link.runner)
    runner_card = cards.card_for(link.runner)
    if request.GET.get("v") == runner_card.version:
        return HttpResponse(status=204)
    return render(request, "runners/_card.html", {"card": runner_card, "token": token})
