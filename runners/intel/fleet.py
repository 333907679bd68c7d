"""One load of a team's fleet for the intelligence pages: each runner's state and software as
plain values (300 rows as models cost more than the rest of a page)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from runners.intel.models import NodeClass
from runners.links import runner_url
from runners.models import Runner, Team
from runners.status import Status

COLUMNS = {
    "id": "pk", "name": "name", "slug": "slug", "tags": "tags", "source": "source",
    "status": "state__status", "vram_free_max": "state__vram_free_max",
    "vram_free_total": "state__vram_free_total", "idle_gpus": "state__idle_gpus",
    "gpu_models": "state__gpu_models", "fingerprint": "software__fingerprint",
    "comfyui_version": "software__comfyui_version", "packs": "software__packs",
    "packs_known": "software__packs_known", "inventory_at": "software__inventory_at",
    "inventory_error": "software__inventory_error", "drift": "software__drift",
    "drift_change_ts": "software__drift_change_ts",
}  # fmt: skip


@dataclass(frozen=True)
class Member:
    """A runner of the team as the intelligence pages read it; software fields are empty
    before its first successful fetch."""

    id: int
    name: str
    slug: str
    url: str
    tags: str
    source: str
    status: str | None
    vram_free_max: int | None
    vram_free_total: int | None
    idle_gpus: int | None
    gpu_models: str | None
    has_software: bool
    comfyui_version: str
    packs: frozenset[str]
    packs_known: bool
    has_inventory: bool
    drift: str
    drift_change_ts: int | None
    packs_with_files: frozenset[str] = frozenset()

    @property
    def is_up(self) -> bool:
        return self.status == Status.OK

    @property
    def is_idle(self) -> bool:
        return self.is_up and bool(self.idle_gpus)

    def as_dict(self) -> dict[str, object]:
        """The runner as the API's fleet answers name it (no address, no secret)."""
        return {
            "slug": self.slug,
            "name": self.name,
            "source": self.source,
            "status": self.status,
            "vram_free_max": self.vram_free_max,
            "vram_free_total": self.vram_free_total,
            "idle": self.is_idle,
            "comfyui_version": self.comfyui_version or None,
            "tags": self.tag_list,
        }

    @property
    def state_words(self) -> str:
        if self.is_idle:
            return "idle"
        if self.is_up:
            return "busy"
        return Status(self.status).label if self.status in Status.values else "Not fetched yet"

    @property
    def tag_list(self) -> list[str]:
        return [tag.strip() for tag in self.tags.split(",") if tag.strip()]


def members(team: Team, with_files: bool = False) -> list[Member]:
    """The team's runners by name, in one query; `with_files` adds which of their packs have
    front-end files (the ones `/extensions` can show)."""
    columns = (
        {**COLUMNS, "packs_with_files": "software__packs_with_files"} if with_files else COLUMNS
    )
    rows = Runner.objects.filter(team=team).order_by("name").values_list(*columns.values())
    return [_member(dict(zip(columns, row, strict=True)), team.slug) for row in rows]


def node_rows(team: Team, classes: Iterable[str]) -> list[tuple[int, str, str]]:
    """(runner id, class, pack) of the team's inventories that hold these classes: one query."""
    rows = NodeClass.objects.filter(runner__team=team, name__in=list(classes))
    return list(rows.values_list("runner_id", "name", "pack"))


def _member(row: dict, team_slug: str) -> Member:
    has_software = row.pop("fingerprint") is not None
    inventory_at, inventory_error = row.pop("inventory_at"), row.pop("inventory_error")
    return Member(
        **row
        | {
            "url": runner_url("runner", team_slug, row["slug"]),
            "has_software": has_software,
            "comfyui_version": row["comfyui_version"] or "",
            "packs": frozenset(row["packs"] or ()),
            "packs_known": bool(row["packs_known"]),
            "has_inventory": inventory_at is not None and not inventory_error,
            "drift": row["drift"] or "",
            "packs_with_files": frozenset(row.get("packs_with_files") or ()),
        }
    )
