"""The API's runner endpoints: the list with the dashboard's filters, one runner, its history."""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest
from ninja import Query, Router

from runners.api import answers
from runners.api.schemas import Error, History, RunnerDetail, RunnerPage
from runners.forms import DashboardFilterForm
from runners.history.trends import DEFAULT_RANGE, RANGES
from runners.status import GROUPS

router = Router(tags=["runners"])

StatusGroup = Literal[tuple(GROUPS)]  # type: ignore[valid-type]
Sort = Literal[tuple(DashboardFilterForm.SORTS)]  # type: ignore[valid-type]
Range = Literal[tuple(RANGES)]  # type: ignore[valid-type]
ERRORS = {400: Error, 401: Error, 404: Error}
MAX_PER_PAGE = 100


@router.get("/", response={200: RunnerPage, **ERRORS}, summary="List the team's runners")
def runner_list(
    request: HttpRequest,
    q: str | None = None,
    status: Query[StatusGroup | None] = None,
    min_vram: Query[float | None] = None,
    sort: Query[Sort | None] = None,
    page: Query[int] = 1,
    per_page: Query[int] = 50,
) -> dict:
    """The dashboard's filters: `q` searches names, tags and GPU models; `status` is a group;
    `min_vram` is GiB free on one GPU; `sort` as on the dashboard (failing first by default)."""
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise answers.BadParameter("per_page", f"Use 1 to {MAX_PER_PAGE}.")
    if page < 1:
        raise answers.BadParameter("page", "Pages count from 1.")
    filters = {"q": q, "status": status, "min_vram": min_vram, "sort": sort}
    return answers.runner_page(request.auth.team, filters, page, per_page)


@router.get("/{slug}", response={200: RunnerDetail, **ERRORS}, summary="One runner")
def runner_detail(request: HttpRequest, slug: str) -> dict:
    """The runner's current status, stats, devices, packs and queue."""
    return answers.detail(answers.team_runner(request.auth.team, slug))


@router.get("/{slug}/history", response={200: History, **ERRORS}, summary="A runner's history")
def runner_history(request: HttpRequest, slug: str, range: Range = DEFAULT_RANGE) -> dict:
    """Series of RAM and VRAM used (GiB), fetch latency (ms) and availability (%) over the range
    ending now; points are (bucket start in epoch seconds, value or null where it was down)."""
    return answers.history(answers.team_runner(request.auth.team, slug), range)
