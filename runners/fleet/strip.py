"""The dashboard's status strip: how many runners are in each state, and the fleet's capacity."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from runners.models import Runner
from runners.status import GROUPS, group_filter


@dataclass(frozen=True)
class Strip:
    counts: dict[str, int]  # by status group (runners.status.GROUPS), every group present
    refreshing: int  # being fetched for the first time right now
    vram_free: int | None  # bytes free over every GPU of the runners that are up
    idle_gpus: int

    @property
    def failing(self) -> int:
        return self.counts["failing"]

    @property
    def groups(self) -> list[tuple[str, str, int]]:
        """(group key, label, count) in the filter's order."""
        return [(key, label, self.counts[key]) for key, label in GROUPS.items()]


def strip_for(runners: QuerySet[Runner]) -> Strip:
    """The strip of these runners, in one query."""
    up = group_filter("ok")
    totals = runners.aggregate(
        **{f"n_{key}": Count("pk", filter=group_filter(key)) for key in GROUPS},
        # As cards show it: only a first fetch is "refreshing"; later ones keep the last state.
        refreshing=Count(
            "pk",
            filter=Q(
                state__lease_until__gt=timezone.now(), state__fetched_at__isnull=True, paused=False
            ),
        ),
        vram_free=Sum("state__vram_free_total", filter=up),
        idle_gpus=Sum("state__idle_gpus", filter=up),
    )
    return Strip(
        counts={key: totals[f"n_{key}"] for key in GROUPS},
        refreshing=totals["refreshing"],
        vram_free=totals["vram_free"],
        idle_gpus=totals["idle_gpus"] or 0,
    )
