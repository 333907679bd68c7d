"""The dashboard's runner list: the user's runners, filtered and sorted in SQL."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import F, Q, QuerySet

from runners import access
from runners.access import User
from runners.models import Runner

GIB = 1024**3
FAILING = [
    "unauthorized", "forbidden", "not_found", "rate_limited", "upstream_error",
    "timeout", "unreachable", "bad_response", "blocked",
]  # fmt: skip
STATUS_FILTERS = {
    "ok": Q(state__status="ok", paused=False),
    "failing": Q(state__status__in=FAILING, paused=False),
    "paused": Q(paused=True),
    "pending": Q(state__isnull=True) | Q(state__status="pending"),
}
STATUS_CHOICES = [
    ("ok", "Up"),
    ("failing", "Failing"),
    ("paused", "Paused"),
    ("pending", "Not fetched"),
]
SORTS = {
    "name": [F("name").asc(), F("team__name").asc()],
    "vram": [F("state__vram_free_max").desc(nulls_last=True), F("name").asc()],
    "seen": [F("state__succeeded_at").desc(nulls_last=True), F("name").asc()],
}


def runner_list(user: User, filters: Mapping[str, Any]) -> QuerySet[Runner]:
    """The runners the user may see that match the cleaned DashboardFilterForm data."""
    runners = (
        access.runners_for(user)
        .select_related("team", "state")
        .defer("headers", "notes", "state__raw")
    )
    if query := filters.get("q"):
        runners = runners.filter(
            Q(name__icontains=query)
            | Q(tags__icontains=query)
            | Q(state__gpu_models__icontains=query)
        )
    if status := filters.get("status"):
        runners = runners.filter(STATUS_FILTERS[status])
    if team := filters.get("team"):
        runners = runners.filter(team__slug=team)
    if (min_vram := filters.get("min_vram")) is not None:
        runners = runners.filter(state__vram_free_max__gte=int(min_vram * GIB))
    return runners.order_by(*SORTS[filters.get("sort") or "name"])
