"""The team's machine access page: API keys and runner badges (create, shown once; revoke).
Owners only."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from runners import access
from runners.api import keys
from runners.api.forms import ApiKeyForm, BadgeKeyForm
from runners.models import ApiKey, BadgeKey, Membership, Team


@login_required
def keys_page(request: HttpRequest, team: str) -> HttpResponse:
    return _page(request, access.get_owned_team(request.user, team))


@login_required
@require_POST
def create_key(request: HttpRequest, team: str) -> HttpResponse:
    owned = access.get_owned_team(request.user, team)
    form = ApiKeyForm(request.POST)
    if not form.is_valid():
        return _page(request, owned, key_form=form, status=400)
    _, new_key = keys.create_api_key(owned, request.user, form.cleaned_data["label"])
    return _page(request, owned, new_key=new_key)


@login_required
@require_POST
def revoke_key(request: HttpRequest, team: str, key_id: int) -> HttpResponse:
    owned = access.get_owned_team(request.user, team)
    return _revoke(request, get_object_or_404(ApiKey, team=owned, pk=key_id))


@login_required
@require_POST
def create_badge(request: HttpRequest, team: str) -> HttpResponse:
    owned = access.get_owned_team(request.user, team)
    form = BadgeKeyForm(request.POST, team_id=owned.pk)
    if not form.is_valid():
        return _page(request, owned, badge_form=form, status=400)
    data = form.cleaned_data
    _, key = keys.create_badge_key(data["runner"], request.user, data["label"])
    badge_url = request.build_absolute_uri(reverse("badge", args=[key]))
    return _page(request, owned, new_badge_url=badge_url)


@login_required
@require_POST
def revoke_badge(request: HttpRequest, team: str, badge_id: int) -> HttpResponse:
    owned = access.get_owned_team(request.user, team)
    return _revoke(request, get_object_or_404(BadgeKey, runner__team=owned, pk=badge_id))


def _revoke(request: HttpRequest, key: ApiKey | BadgeKey) -> HttpResponse:
    keys.revoke(key)
    messages.success(request, f"“{key.label}” was revoked.")
    return HttpResponseRedirect(
        reverse("team-api-keys", args=[request.resolver_match.kwargs["team"]])
    )


def _page(request: HttpRequest, team: Team, status: int = 200, **context: Any) -> HttpResponse:
    context.setdefault("key_form", ApiKeyForm())
    context.setdefault("badge_form", BadgeKeyForm(team_id=team.pk))
    context.update(
        team=team,
        role=Membership.Role.OWNER,  # only owners reach these pages
        api_keys=ApiKey.objects.filter(team=team).select_related("created_by"),
        badges=BadgeKey.objects.filter(runner__team=team).select_related("runner"),
        api_base=request.build_absolute_uri("/api/v1/"),
    )
    return render(request, "api/keys.html", context, status=status)
