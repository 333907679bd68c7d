from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone

from runners import polling
from runners.forms import TrendRangeForm
from runners.history import trends
from runners.models import Runner


def trend_for(request: HttpRequest, runner: Runner) -> trends.Trend:
    """The runner's trend over the range in the query string (`?range=7d`; 24 h by default)."""
    trend_range = TrendRangeForm(request.GET).chosen()
    now_ts = int(timezone.now().timestamp())
    return trends.trend(runner.pk, trend_range, polling.effective_interval(runner), now_ts)
