"""An owner's page of ComfyControl tokens: add, replace, delete, import runners."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from runners import access
from runners.models import ApiToken, Team
from runners.polling import import_jobs
from runners.teams import tokens
from runners.teams.forms import TokenForm


@login_required
def token_list(request: HttpRequest, team: str) -> HttpResponse:
    """The team's tokens by label and last four characters, and a form to add one (owners).
    A POST adds the token once ComfyControl accepts it (the form asks)."""
    owned = access.get_owned_team(request.user, team)
    form = TokenForm(request.POST or None, team=owned)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        tokens.add(owned, data["label"], data["secret"], request.user)
        messages.success(request, f"Added “{data['label']}”: ComfyControl plan {form.plan}.")
        return redirect("team-tokens", team=owned.slug)
    return render(request, "teams/tokens.html", _tokens(owned, form=form))


@login_required
@require_POST
def replace(request: HttpRequest, team: str, token_id: int) -> HttpResponse:
    """Put a new secret in place of a token's, once ComfyControl accepts it."""
    owned = access.get_owned_team(request.user, team)
    token = get_object_or_404(owned.tokens, pk=token_id)
    form = TokenForm(request.POST, team=owned, replacing=True, prefix=f"t{token.pk}")
    if form.is_valid():
        tokens.replace(token, form.cleaned_data["secret"], request.user)
        messages.success(request, f"Replaced “{token.label}”: ComfyControl plan {form.plan}.")
        return redirect("team-tokens", team=owned.slug)
    return render(request, "teams/tokens.html", _tokens(owned, replace_form=form))


@login_required
@require_POST
def delete(request: HttpRequest, team: str, token_id: int) -> HttpResponse:
    """Delete a token no runner uses; otherwise say how many do."""
    owned = access.get_owned_team(request.user, team)
    token = get_object_or_404(owned.tokens, pk=token_id)
    try:
        tokens.delete(token, request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Deleted “{token.label}”.")
    return redirect("team-tokens", team=owned.slug)


@login_required
@require_POST
def start_import(request: HttpRequest, team: str, token_id: int) -> HttpResponse:
    """Start importing the token's runners off the request; the page then polls its progress."""
    owned = access.get_owned_team(request.user, team)
    token = get_object_or_404(owned.tokens, pk=token_id)
    import_jobs.start(token, request.user)
    if request.htmx:
        return _import_status(request, token)
    return redirect("team-tokens", team=owned.slug)


@login_required
def import_status(request: HttpRequest, team: str, token_id: int) -> HttpResponse:
    """The token's latest import: progress while it runs, its counts when done."""
    owned = access.get_owned_team(request.user, team)
    return _import_status(request, get_object_or_404(owned.tokens, pk=token_id))


def _import_status(request: HttpRequest, token: ApiToken) -> HttpResponse:
    context = {"token": token, "job": import_jobs.latest(token), "team": token.team}
    return render(request, "teams/tokens.html#import", context)


def _tokens(team: Team, **context: Any) -> dict[str, Any]:
    failed = context.pop("replace_form", None)
    context.setdefault("form", TokenForm(team=team))
    listed = list(tokens.tokens_of(team))
    for token in listed:
        token.job = import_jobs.latest(token)
        prefix = f"t{token.pk}"
        token.replace_form = (
            failed
            if failed is not None and failed.prefix == prefix
            else TokenForm(team=team, replacing=True, prefix=prefix)
        )
    return {"team": team, "role": "owner", "tokens": listed, **context}
