"""Fleet intelligence pages of one team: matrix, baseline, compare, finder, workflow check."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

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
def baseline(request: HttpRequest, team: str) -> HttpResponse:
    """The team's baseline and each runner's difference from it; editors may change it."""
    team_, role = access.get_team(request.user, team)
    return _baseline_page(request, team_, role, _baseline_form(team_))


@login_required
@require_POST
def save_baseline(request: HttpRequest, team: str) -> HttpResponse:
    """Save the team's baseline (owners and members) and update every runner's drift."""
    team_, role = access.get_team(request.user, team)
    if role not in access.EDITOR_ROLES:
        raise PermissionDenied("Viewers can look at the baseline but not change it.")
    form = _baseline_form(team_, request.POST)
    if not form.is_valid():
        return _baseline_page(request, team_, role, form, status=400)
    form.instance.updated_by = request.user
    form.save()
    drift.update_team(team_.pk)
    messages.success(request, "Saved the baseline.")
    return redirect("intel-baseline", team_.slug)


def _baseline_form(team: Team, data: QueryDict | None = None) -> BaselineForm:
    instance = Baseline.objects.filter(team=team).first() or Baseline(team=team)
    return BaselineForm(data, instance=instance, team=team)


def _baseline_page(
    request: HttpRequest, team: Team, role: str, form: BaselineForm, status: int = 200
) -> HttpResponse:
    drifts = drift.drift_for(team)
    context = {
        "team": team,
        "form": form,
        "can_edit": role in access.EDITOR_ROLES,
        "drifts": drifts,
        "compared_with": next((d.expected.source for d in drifts.values()), ""),
        "members": members(team),
    }
    return render(request, "runners/intel/baseline.html", context, status=status)


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
@require_GET
def check(request: HttpRequest, team: str) -> HttpResponse:
    """The workflow check's form."""
    team_, _ = access.get_team(request.user, team)
    return render(request, "runners/intel/check.html", {"team": team_, "form": WorkflowForm()})


@login_required
@require_POST
def run_check(request: HttpRequest, team: str) -> HttpResponse:
    """Which runners can run a pasted or uploaded workflow; nothing is stored or sent."""
    team_, _ = access.get_team(request.user, team)
    try:
        form = WorkflowForm(request.POST, request.FILES)
    except RequestDataTooBig:
        context = {"team": team_, "form": WorkflowForm(), "error": TOO_LARGE}
        return render(request, "runners/intel/check.html", context, status=400)
    if not form.is_valid():
        return render(
            request, "runners/intel/check.html", {"team": team_, "form": form}, status=400
        )
    context = {"team": team_, "form": WorkflowForm(), "result": compat.check(team_, form.workflow)}
    return render(request, "runners/intel/check.html", context)


def _runners(team: Team, slugs: list[str | None]) -> list[Runner]:
    wanted = [slug for slug in slugs if slug]
    return list(
        Runner.objects.filter(team=team, slug__in=wanted).select_related("state", "software")
    )
