"""Adding a direct runner with a connection test, editing, pausing and resuming runners."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from runners import access
from runners.models import Runner
from runners.polling.probe import try_connection
from runners.teams import bookmarks
from runners.teams.forms import TeamRunnerForm

TEMPLATE = "teams/runner_form.html"


@login_required
def add(request: HttpRequest, team: str) -> HttpResponse:
    """Add a direct ComfyUI runner (owners and members); "Test connection" saves nothing."""
    editable = access.get_editable_team(request.user, team)
    form = TeamRunnerForm(request.POST or None, team=editable)
    return _form_page(request, form, {"team": editable, "adding": True})


@login_required
def edit(request: HttpRequest, team: str, slug: str) -> HttpResponse:
    """Change a runner's name, tags and interval; a direct runner's address and headers too."""
    runner, role = access.get_editable_runner(request.user, team, slug)
    form = TeamRunnerForm(request.POST or None, instance=runner, team=runner.team)
    context = {"team": runner.team, "runner": runner, "role": role, "adding": False}
    return _form_page(request, form, context)


PAUSE = (bookmarks.pause, "Paused {}: it is not polled until you resume it.")
RESUME = (bookmarks.resume, "Resumed {}: fetching its stats now.")


@login_required
@require_POST
def pause(request: HttpRequest, team: str, slug: str) -> HttpResponse:
    """Stop polling the runner for maintenance (owners and members)."""
    return _switch(request, team, slug, *PAUSE)


@login_required
@require_POST
def resume(request: HttpRequest, team: str, slug: str) -> HttpResponse:
    """Poll the runner again, at once (owners and members)."""
    return _switch(request, team, slug, *RESUME)


def _switch(request: HttpRequest, team: str, slug: str, change: Any, message: str) -> HttpResponse:
    runner, _ = access.get_editable_runner(request.user, team, slug)
    change(runner, request.user)
    messages.success(request, message.format(runner.name))
    return redirect("runner", team=team, slug=slug)


def _form_page(request: HttpRequest, form: TeamRunnerForm, context: dict[str, Any]) -> HttpResponse:
    context = {"form": form, "role": context.pop("role", "member"), **context}
    testing = request.POST.get("action") == "test"
    if request.method != "POST" or not form.is_valid():
        template = f"{TEMPLATE}#result" if testing and request.htmx else TEMPLATE
        return render(request, template, context)
    if testing:
        data = form.cleaned_data
        context["connection"] = try_connection(data["base_url"], form.new_headers)
        return render(request, f"{TEMPLATE}#result" if request.htmx else TEMPLATE, context)
    runner: Runner = bookmarks.save(form.save(commit=False), request.user)
    messages.success(request, f"Saved {runner.name}.")
    return redirect("runner", team=runner.team.slug, slug=runner.slug)
