"""What the API answers, read from the database for one team: selectors, no HTTP."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, QueryDict
from django.utils import timezone

from runners.cards.build import Audience, face_of
from runners.fleet.listing import DEFERRED
from runners.forms import DashboardFilterForm
from runners.history import trends
from runners.models import Runner, Team
from runners.polling import effective_interval
from runners.stats import RunnerStats


class BadParameter(Exception):
    """A query parameter the API cannot use; `parameter` names it."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(message)
        self.parameter, self.message = parameter, message


def runner_page(team: Team, filters: dict[str, Any], page: int, per_page: int) -> dict[str, Any]:
    """One page of the team's runners under the dashboard's filters and sorts.

    Raises BadParameter naming the first filter the dashboard's form refuses."""
    query = QueryDict(mutable=True)
    query.update({name: str(value) for name, value in filters.items() if value is not None})
    form = DashboardFilterForm(query, teams=[(team.slug, team.name)])
    if not form.is_valid():
        name, errors = next(iter(form.errors.items()))
        raise BadParameter(name, errors[0])
    runners = Runner.objects.filter(team=team).select_related("team", "state", "token")
    listed = form.apply(runners.defer(*DEFERRED))
    paginator = Paginator(listed, per_page)
    if page > max(paginator.num_pages, 1):
        raise BadParameter("page", f"There are {paginator.num_pages} pages.")
    return {
        "count": paginator.count,
        "page": page,
        "pages": paginator.num_pages,
        "per_page": per_page,
        "results": [summary(runner) for runner in paginator.page(page).object_list],
    }


def team_runner(team: Team, slug: str) -> Runner:
    """The team's runner with this slug; raises Http404 for any other."""
    runner = Runner.objects.select_related("team", "state", "token").filter(team=team, slug=slug)
    found = runner.first()
    if found is None:
        raise Http404
    return found


def summary(runner: Runner) -> dict[str, Any]:
    face = face_of(runner, timezone.now(), Audience.members())
    state = getattr(runner, "state", None)
    return {
        "slug": runner.slug,
        "name": runner.name,
        "source": runner.source,
        "tags": runner.tag_list,
        "status": face.status.value,
        "status_label": face.status.label,
        "failing": face.status.is_failing,
        "fetched_at": state and state.fetched_at,
        "succeeded_at": state and state.succeeded_at,
        "vram_free_max": state and state.vram_free_max,
        "vram_free_total": state and state.vram_free_total,
        "gpu_models": [m for m in (state.gpu_models.split(", ") if state else []) if m],
    }


def detail(runner: Runner) -> dict[str, Any]:
    """The runner's current stats, devices, packs, queue and status; never argv or headers."""
    face = face_of(runner, timezone.now(), Audience.members())
    state = getattr(runner, "state", None)
    stats = RunnerStats.from_dict(state.stats) if state and state.stats else None
    return {
        **summary(runner),
        "sentence": face.sentence,
        "down_since": state and state.down_since,
        "latency_ms": state and state.latency_ms,
        "system": stats and _system(stats),
        "devices": [_device(d) for d in stats.devices] if stats else [],
        "packs": stats.custom_pack_names if stats else [],
        "queue": {
            "running": stats and stats.queue_running,
            "pending": stats and stats.queue_pending,
        },
        "dev_mode": stats and stats.dev_mode,
    }


def history(runner: Runner, range_key: str) -> dict[str, Any]:
    """The runner's trend series over the range ending now (as its runner page draws them)."""
    trend_range = trends.RANGES[range_key]
    now_ts = int(timezone.now().timestamp())
    trend = trends.trend(runner.pk, trend_range, effective_interval(runner), now_ts)
    return {
        "runner": runner.slug,
        "range": trend_range.key,
        "bucket_s": trend_range.bucket_s,
        "start": trend.frame.start_ts,
        "end": trend.frame.end_ts,
        "series": [
            {
                "label": s.label,
                "unit": s.unit,
                "points": s.points,
                "low": s.low,
                "mean": s.mean,
                "high": s.high,
            }
            for s in trend.series
        ],
    }


def _system(stats: RunnerStats) -> dict[str, Any]:
    return {
        "os": stats.os,
        "ram_total": stats.ram_total,
        "ram_free": stats.ram_free,
        "comfyui_version": stats.comfyui_version and stats.comfyui_version.raw,
        "python_version": stats.python_version,
        "pytorch_version": stats.pytorch_version,
    }


def _device(device: Any) -> dict[str, Any]:
    return {
        "model": device.model,
        "type": device.type,
        "index": device.index,
        "vram_total": device.vram_total,
        "vram_free": device.vram_free,
    }
