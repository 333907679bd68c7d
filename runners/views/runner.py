from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_POST

from runners import access, cards, changelog, fragments, history, polling, sharing, uptime
from runners.forms import ShareLinkForm
from runners.models import Membership
from runners.views.trend import trend_for


@login_required
def runner_page(request: HttpRequest, team: str, slug: str) -> HttpResponse:
    """The runner's page; for htmx (a chart range switch) only its charts."""
    runner = access.get_runner(request.user, team, slug)
    if request.htmx:
        return render(request, "runners/runner.html#charts", {"trend": trend_for(request, runner)})
    role = access.role_in(request.user, runner.team)
    now_ts = int(timezone.now().timestamp())
    context = {
        "card": cards.card_for(runner, can_refresh=role in access.EDITOR_ROLES),
        "can_share": role in access.EDITOR_ROLES,
        "can_see_argv": request.user.is_staff or role == Membership.Role.OWNER,
        "status_runs": history.status_runs(runner.pk),
        "trend": trend_for(request, runner),
        "uptime": uptime.windows_for(runner.pk, now_ts),
        "outages": uptime.outages(runner.pk, now_ts),
        "software_changes": changelog.recent(runner.pk),
        "share_links": sharing.links_for(runner),
        "share_form": ShareLinkForm(),
    }
    return render(request, "runners/runner.html", context)


@login_required
def card(request: HttpRequest, team: str, slug: str) -> HttpResponse:
    """The card alone, for htmx polling: refreshes the runner if due, 204 when nothing changed."""
    runner = access.get_runner(request.user, team, slug)
    polling.refresh(runner)
    if request.GET.get("v") == cards.version_of(runner):
        return HttpResponse(status=204)
    can_refresh = access.role_in(request.user, runner.team) in access.EDITOR_ROLES
    return HttpResponse(fragments.card_html(runner, can_refresh))


@login_required
@require_POST
def refresh_now(request: HttpRequest, team: str, slug: str) -> HttpResponse:
    runner = access.get_runner(request.user, team, slug)
    if access.role_in(request.user, runner.team) not in access.EDITOR_ROLES:
        return HttpResponse("Viewers cannot refresh runners.", status=403)
    polling.refresh(runner, force=True)
    return HttpResponse(fragments.card_html(runner, can_refresh=True))
