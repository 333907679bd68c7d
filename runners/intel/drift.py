"""Drift: how a runner differs from its team's expected software, in words.

`update_team` stores each runner's drift sentence on its software row, so cards and rows show it
without a query of their own; `drift_for` computes it afresh for pages and the API. A baseline
change updates its team at once; software changes are marked on their rows (`drift_due`) and
`update_due` updates each marked team once, however many of its runners changed: a team's first
pass over 5,000 runners would otherwise compare the whole team 5,000 times.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from django.db.models import Max

from runners.intel.baseline import Expected, expected
from runners.intel.models import Baseline, Software
from runners.models import SoftwareChange, Team

COMFYUI = "ComfyUI"  # the item name the change log gives ComfyUI's version


@dataclass(frozen=True)
class Drift:
    """What a runner lacks and has extra against `expected`, and its ComfyUI if out of range."""

    lacks: tuple[str, ...]
    extra: tuple[str, ...]
    comfyui: str | None  # the runner's version when it is out of the expected range
    expected: Expected
    change_ts: int | None = None  # the latest logged change behind the drift

    @property
    def sentence(self) -> str:
        """E.g. "lacks rgthree-comfy; ComfyUI 0.3.60, team runs 0.3.64"."""
        parts = []
        if self.lacks:
            parts.append(f"lacks {_listed(self.lacks)}")
        if self.extra:
            parts.append(f"has extra {_listed(self.extra)}")
        if self.comfyui is not None:
            parts.append(f"ComfyUI {self.comfyui}, team {self.expected.version_words}")
        return "; ".join(parts)

    def as_dict(self) -> dict[str, object]:
        """The drift as JSON for the API."""
        return {
            "sentence": self.sentence,
            "lacks": list(self.lacks),
            "extra": list(self.extra),
            "comfyui": self.comfyui,
            "compared_with": self.expected.source,
            "change_ts": self.change_ts,
        }

    @property
    def items(self) -> tuple[str, ...]:
        """The change-log items that can explain this drift."""
        return (*self.lacks, *self.extra, *((COMFYUI,) if self.comfyui is not None else ()))


def drift_for(team: Team) -> dict[int, Drift]:
    """Every drifting runner of the team by id; runners that match are absent. Three queries."""
    rows = list(Software.objects.filter(runner__team=team).select_related("runner"))
    baseline = Baseline.objects.filter(team=team).first()
    return _with_changes(compare_all(rows, baseline))


def compare_all(rows: list[Software], baseline: Baseline | None) -> dict[int, Drift]:
    """Each row's drift against the team's expected software (no query)."""
    names = {row.runner_id: row.runner.name for row in rows}
    want = expected(baseline, rows, names)
    found = {}
    for row in rows:
        drift = one(row, want)
        if drift is not None:
            found[row.runner_id] = drift
    return found


def one(row: Software, want: Expected) -> Drift | None:
    """The row's drift, or None when it matches (or is the baseline runner itself)."""
    if row.runner_id == want.runner_id:
        return None
    packs = set(row.packs)
    lacks = sorted(want.packs - packs, key=str.casefold) if row.packs_known else []
    # Against the majority, a pack few runners have is a choice, not drift: only a baseline
    # says a runner should not have it.
    extra = sorted(packs - want.packs, key=str.casefold) if row.packs_known and want.is_set else []
    version_off = row.comfyui_version and not want.version_ok(row.comfyui_version)
    comfyui = row.comfyui_version if version_off else None
    if not lacks and not extra and comfyui is None:
        return None
    return Drift(tuple(lacks), tuple(extra), comfyui, want)


def update_team(team_id: int) -> None:
    """Store the drift sentence of every runner of the team whose sentence changed."""
    team = Team(pk=team_id)
    drifts = drift_for(team)
    changed = []
    for row in Software.objects.filter(runner__team_id=team_id):
        drift = drifts.get(row.runner_id)
        sentence = drift.sentence[:500] if drift else ""
        change_ts = drift.change_ts if drift else None
        if (row.drift, row.drift_change_ts) != (sentence, change_ts):
            row.drift, row.drift_change_ts = sentence, change_ts
            changed.append(row)
    Software.objects.bulk_update(changed, ["drift", "drift_change_ts"])


def update_due() -> int:
    """Update the drift of every team with a runner marked `drift_due`; returns how many teams.

    Refreshers may call it at once: a team's marks are cleared before its runners are read, so a
    change stored after the read leaves a mark for the next call.
    """
    marked = Software.objects.filter(drift_due=True)
    team_ids = set(marked.values_list("runner__team_id", flat=True))
    updated = 0
    for team_id in sorted(team_ids):
        if marked.filter(runner__team_id=team_id).update(drift_due=False):
            update_team(team_id)
            updated += 1
    return updated


def _with_changes(drifts: dict[int, Drift]) -> dict[int, Drift]:
    """Each drift with the latest logged change of one of its items, in one query."""
    if not drifts:
        return drifts
    items = {item for drift in drifts.values() for item in drift.items}
    latest = (
        SoftwareChange.objects.filter(runner_id__in=drifts, item__in=items)
        .values("runner_id", "item")
        .annotate(ts=Max("ts"))
    )
    found: dict[int, int] = {}
    for row in latest:
        if row["item"] in drifts[row["runner_id"]].items:
            found[row["runner_id"]] = max(found.get(row["runner_id"], 0), row["ts"])
    return {
        runner_id: replace(drift, change_ts=found.get(runner_id))
        for runner_id, drift in drifts.items()
    }


def _listed(names: tuple[str, ...], limit: int = 3) -> str:
    shown = ", ".join(names[:limit])
    return shown if len(names) <= limit else f"{shown} and {len(names) - limit} more"
