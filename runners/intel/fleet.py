"""One load of a team's fleet for the intelligence pages: runners, state and software rows."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from runners.intel.models import NodeClass, Software
from runners.models import Runner, Team
from runners.status import Status

# Only what the intelligence pages read: 300 rows of everything cost more than the page.
FIELDS = (
    "name", "slug", "tags", "source", "team__slug", "team__name",
    "state__status", "state__vram_free_max", "state__vram_free_total", "state__idle_gpus",
    "state__gpu_models", "software__packs", "software__packs_known",
    "software__comfyui_version", "software__inventory_at", "software__inventory_error",
    "software__drift", "software__drift_change_ts",
)  # fmt: skip


@dataclass(frozen=True)
class Member:
    """A runner with its software row (None before its first successful fetch)."""

    runner: Runner
    software: Software | None

    @cached_property
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


def members(team: Team, with_files: bool = False) -> list[Member]:
    """The team's runners by name with state and software, in one query; `with_files` adds
    which packs have front-end files."""
    fields = (*FIELDS, "software__packs_with_files") if with_files else FIELDS
    runners = (
        Runner.objects.filter(team=team)
        .select_related("team", "state", "software")
        .only(*fields)
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
