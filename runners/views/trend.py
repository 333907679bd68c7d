from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from runners import polling
from runners.forms import TrendRangeForm
from runners.history import trends
from runners.models import Runner
from runners.stats import RunnerStats


def trend_for(request: HttpRequest, runner: Runner) -> trends.Trend:
    """The runner's trend over the range in the query string (`?range=7d`; 24 h by default)."""
    trend_range = TrendRangeForm(request.GET).chosen()
    now_ts = int(timezone.now().timestamp())
    interval = polling.effective_interval(runner)
    return trends.trend(runner.pk, trend_range, interval, now_ts, _latest(runner))


def range_switch(request: HttpRequest, runner: Runner, poll: dict[str, Any]) -> HttpResponse:
    """The charts in the newly chosen range, and the page's poller again with that range, so
    that the page's next poll does not bring the old range back."""
    return render(
        request, "runners/_range_switch.html", {"trend": trend_for(request, runner), **poll}
    )


def _latest(runner: Runner) -> trends.Latest:
    """What the runner's card shows, so that the trend table's "Last" agrees with it."""
    state = getattr(runner, "state", None)
    if state is None or not state.stats:
        return trends.Latest()
    stats = RunnerStats.from_dict(state.stats)
    return trends.Latest(
        ram_used=stats.ram_used,
        ram_total=stats.ram_total,
        vram_used=tuple(gpu.vram_used for gpu in stats.gpus),
        vram_total=tuple(gpu.vram_total for gpu in stats.gpus),
        latency_ms=state.latency_ms,
        queue_depth=stats.queue_depth,
        gpu_count=len(stats.gpus),
    )
