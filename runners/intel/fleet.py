"""One load of a team's fleet for the intelligence pages: runners, state and software rows."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from runners.intel.models import NodeClass, Software
from runners.models import Runner, Team
from runners.status import Status

# What the intelligence pages never read; stats are read only where GPUs are compared.
DEFERRED = ("headers", "notes", "state__raw", "state__stats", "base_url")


@dataclass(frozen=True)
class Member:
    """A runner with its software row (None before its first successful fetch)."""

    runner: Runner
    software: Software | None

    @property
    def packs(self) -> frozenset[str]:
        return frozenset(self.software.packs) if self.software else frozenset()

    @property
    def packs_known(self) -> bool:
        return self.software is not None and self.software.packs_known

    @property
    def has_inventory(self) -> bool:
        return self.software is not None and self.software.has_inventory

    @property
    def is_up(self) -> bool:
        state = getattr(self.runner, "state", None)
        return state is not None and state.status == Status.OK

    @property
    def is_idle(self) -> bool:
        state = getattr(self.runner, "state", None)
        return self.is_up and state.idle_gpus > 0

    @property
    def vram_free_max(self) -> int | None:
        state = getattr(self.runner, "state", None)
        return state.vram_free_max if state else None


def members(team: Team) -> list[Member]:
    """The team's runners by name with state and software, in one query."""
    runners = (
        Runner.objects.filter(team=team)
        .select_related("team", "state", "software")
        .defer(*DEFERRED)
        .order_by("name")
    )
    return [Member(runner, _software(runner)) for runner in runners]


def node_rows(team: Team, classes: Iterable[str]) -> list[tuple[int, str, str]]:
    """(runner id, class, pack) of the team's inventories that hold these classes: one query."""
    rows = NodeClass.objects.filter(runner__team=team, name__in=list(classes))
    return list(rows.values_list("runner_id", "name", "pack"))


def _software(runner: Runner) -> Software | None:
    try:
        return runner.software
    except Software.DoesNotExist:
        return None
