"""Fleet intelligence pages of one team: matrix, baseline, compare, finder, workflow check."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from runners import access
from runners.intel import compat, drift, finder, matrix
from runners.intel.compare import compare as compare_runners
from runners.intel.fleet import members
from runners.intel.forms import BaselineForm, CompareForm, FinderForm, MatrixForm, WorkflowForm
from runners.intel.models import Baseline
from runners.intel.workflow import TOO_LARGE
from runners.models import Runner, Team


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The user's teams, each with links to its fleet pages."""
    return render(request, "runners/intel/index.html", {"teams": access.teams_for(request.user)})


@login_required
def extensions(request: HttpRequest, team: str) -> HttpResponse:
    """The packs-by-runners matrix, filtered and sorted from the URL."""
    team_, _ = access.get_team(request.user, team)
    form = MatrixForm(request.GET)
    context = {"team": team_, "form": form, "matrix": matrix.matrix_for(team_, form.query())}
    return render(request, "runners/intel/matrix.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def baseline(request: HttpRequest, team: str) -> HttpResponse:
    """The team's baseline and each runner's difference from it; editors may change it."""
    team_, role = access.get_team(request.user, team)
    instance = Baseline.objects.filter(team=team_).first() or Baseline(team=team_)
    form = BaselineForm(request.POST or None, instance=instance, team=team_)
    if request.method == "POST":
        if role not in access.EDITOR_ROLES:
            raise PermissionDenied("Viewers can look at the baseline but not change it.")
        if form.is_valid():
            form.instance.updated_by = request.user
            form.save()
            drift.update_team(team_.pk)
            messages.success(request, "Saved the baseline.")
            return redirect("intel-baseline", team_.slug)
    drifts = drift.drift_for(team_)
    context = {
        "team": team_,
        "form": form,
        "can_edit": role in access.EDITOR_ROLES,
        "drifts": drifts,
        "compared_with": next((d.expected.source for d in drifts.values()), ""),
        "members": members(team_),
    }
    return render(request, "runners/intel/baseline.html", context)


@login_required
def compare(request: HttpRequest, team: str) -> HttpResponse:
    """Two runners of the team side by side (`?a=<slug>&b=<slug>`)."""
    team_, _ = access.get_team(request.user, team)
    form = CompareForm(request.GET)
    data = form.data_ok
    runners = {r.slug: r for r in _runners(team_, [data.get("a"), data.get("b")])}
    result = None
    if data.get("a") and data.get("b"):
        if data["a"] not in runners or data["b"] not in runners:
            raise Http404
        result = compare_runners(runners[data["a"]], runners[data["b"]])
    choices = Runner.objects.filter(team=team_).order_by("name").values_list("slug", "name")
    context = {"team": team_, "form": form, "result": result, "choices": choices}
    return render(request, "runners/intel/compare.html", context)


@login_required
def find(request: HttpRequest, team: str) -> HttpResponse:
    """The capacity finder; every condition is in the URL."""
    team_, _ = access.get_team(request.user, team)
    form = FinderForm(request.GET)
    found = finder.find(team_, form.query())
    return render(
        request, "runners/intel/finder.html", {"team": team_, "form": form, "found": found}
    )


@login_required
@require_http_methods(["GET", "POST"])
def check(request: HttpRequest, team: str) -> HttpResponse:
    """Which runners can run a pasted or uploaded workflow; nothing is stored or sent."""
    team_, _ = access.get_team(request.user, team)
    try:
        form = WorkflowForm(request.POST or None, request.FILES or None)
    except RequestDataTooBig:
        context = {"team": team_, "form": WorkflowForm(), "error": TOO_LARGE}
        return render(request, "runners/intel/check.html", context, status=400)
    result = (
        compat.check(team_, form.workflow) if request.method == "POST" and form.is_valid() else None
    )
    status = 400 if request.method == "POST" and result is None else 200
    context = {"team": team_, "form": form, "result": result}
    return render(request, "runners/intel/check.html", context, status=status)


def _runners(team: Team, slugs: list[str | None]) -> list[Runner]:
    wanted = [slug for slug in slugs if slug]
    return list(
        Runner.objects.filter(team=team, slug__in=wanted).select_related("state", "software")
    )
