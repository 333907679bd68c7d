"""Which of a team's runners can run a workflow now: node classes, model files, up, idle, VRAM.

For a runner with a node inventory its own classes decide. For one without, a class counts as
present when the team's inventories map it to ComfyUI itself or to a pack the runner has; as
missing when that pack would show in `/extensions` and does not; otherwise as unknown, with why.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from runners.intel.fleet import Member, members, node_rows
from runners.intel.models import ModelFile
from runners.intel.workflow import ModelNeed, Workflow
from runners.models import Team

# Folders ComfyUI has known by two names.
FOLDER_ALIASES = {"diffusion_models": "unet", "unet": "diffusion_models",
                  "text_encoders": "clip", "clip": "text_encoders"}  # fmt: skip


@dataclass(frozen=True)
class Verdict:
    """One runner's answer. `nodes_ok` and `models_ok` are None when unknown."""

    member: Member
    nodes_ok: bool | None
    missing_nodes: tuple[str, ...]
    lacking_packs: tuple[str, ...]
    unknown_reason: str
    models_ok: bool | None
    missing_models: tuple[ModelNeed, ...]

    @property
    def can_run(self) -> bool:
        """Every node class present and no model file known to be missing."""
        return self.nodes_ok is True and self.models_ok is not False

    @property
    def can_run_now(self) -> bool:
        return self.can_run and self.member.is_idle

    def as_dict(self) -> dict[str, object]:
        return {
            "runner": self.member.as_dict(),
            "can_run_now": self.can_run_now,
            "nodes_ok": self.nodes_ok,
            "missing_nodes": list(self.missing_nodes),
            "lacking_packs": list(self.lacking_packs),
            "unknown_reason": self.unknown_reason or None,
            "models_ok": self.models_ok,
            "missing_models": [{"folder": m.folder, "name": m.name} for m in self.missing_models],
        }

    @property
    def cannot_run(self) -> bool:
        return self.nodes_ok is False or self.models_ok is False

    # What a result row says, in words: 300 rows render faster from these than from template
    # conditions.
    @property
    def label(self) -> tuple[str, str]:
        """The verdict's words and tone."""
        if self.can_run_now:
            return "can run now", "ok"
        if self.can_run:
            return "can run, not now", "warn"
        return ("cannot run", "bad") if self.cannot_run else ("unknown", "neutral")

    @property
    def nodes_text(self) -> str:
        if self.nodes_ok:
            return "all present"
        if self.nodes_ok is None:
            return f"unknown: {self.unknown_reason}"
        missing = ", ".join(self.missing_nodes)
        return (
            f"lacks {', '.join(self.lacking_packs)} ({missing})"
            if self.lacking_packs
            else (f"lacks {missing}")
        )

    @property
    def models_text(self) -> str:
        if self.models_ok is None:
            return "unknown"
        return (
            "present"
            if self.models_ok
            else ("lacks " + ", ".join(need.name for need in self.missing_models))
        )


@dataclass(frozen=True)
class Check:
    workflow: Workflow
    verdicts: list[Verdict]

    def as_dict(self) -> dict[str, object]:
        """The check as JSON for the API; `null` where a runner's answer is unknown."""
        workflow = self.workflow
        return {
            "format": workflow.format,
            "node_classes": list(workflow.node_classes),
            "models": [{"folder": m.folder, "name": m.name} for m in workflow.models],
            "runners": [verdict.as_dict() for verdict in self.verdicts],
        }

    @property
    def runnable_now(self) -> int:
        return sum(v.can_run_now for v in self.verdicts)


def check(team: Team, workflow: Workflow) -> Check:
    """Every runner of the team judged against the workflow, best first; three queries."""
    fleet = members(team, with_files=True)
    present, team_map = _nodes(team, workflow)
    visible = frozenset().union(*(m.packs_with_files for m in fleet))
    files = _model_files(team, workflow)
    verdicts = [
        _verdict(m, workflow, present.get(m.id, set()), team_map, visible, files) for m in fleet
    ]
    verdicts.sort(key=_rank)
    return Check(workflow, verdicts)


def _rank(verdict: Verdict) -> tuple[bool, bool, bool, int, str]:
    return (
        not verdict.can_run_now,
        not verdict.can_run,
        verdict.nodes_ok is not True,
        -(verdict.member.vram_free_max or 0),
        verdict.member.name.casefold(),
    )


def _nodes(team: Team, workflow: Workflow) -> tuple[dict[int, set[str]], dict[str, str]]:
    present: dict[int, set[str]] = defaultdict(set)
    team_map: dict[str, str] = {}
    for runner_id, name, pack in node_rows(team, workflow.node_classes):
        present[runner_id].add(name)
        team_map.setdefault(name, pack)
    return present, team_map


def _model_files(team: Team, workflow: Workflow) -> dict[int, set[tuple[str, str]]]:
    names = {need.name for need in workflow.models}
    if not names:
        return {}
    files: dict[int, set[tuple[str, str]]] = defaultdict(set)
    rows = ModelFile.objects.filter(runner__team=team, name__in=names)
    for runner_id, folder, name in rows.values_list("runner_id", "folder", "name"):
        files[runner_id].add((folder, name))
    return files


def _verdict(
    member: Member,
    workflow: Workflow,
    present: set[str],
    team_map: dict[str, str],
    visible: frozenset[str],
    files: dict[int, set[tuple[str, str]]],
) -> Verdict:
    nodes_ok, missing, lacking, reason = _judge_nodes(member, workflow, present, team_map, visible)
    models_ok, missing_models = _judge_models(member, workflow, files.get(member.id, set()))
    return Verdict(
        member=member,
        nodes_ok=nodes_ok,
        missing_nodes=missing,
        lacking_packs=lacking,
        unknown_reason=reason,
        models_ok=models_ok,
        missing_models=missing_models,
    )


def _judge_nodes(
    member: Member,
    workflow: Workflow,
    present: set[str],
    team_map: dict[str, str],
    visible: frozenset[str],
) -> tuple[bool | None, tuple[str, ...], tuple[str, ...], str]:
    needed = workflow.node_classes
    if member.has_inventory:
        missing = tuple(c for c in needed if c not in present)
        lacking = _packs_of(missing, team_map)
        return not missing, missing, lacking, ""
    if not member.packs_known:
        return None, (), (), "no extension list or node inventory yet"
    missing, unknown = [], []
    for name in needed:
        pack = team_map.get(name)
        if pack is None:
            unknown.append(name)
        elif pack and pack not in member.packs:
            (missing if pack in visible else unknown).append(name)
    if missing:
        return False, tuple(missing), _packs_of(missing, team_map), ""
    if unknown:
        return None, (), (), _unknown_reason(unknown, team_map)
    return True, (), (), ""


def _unknown_reason(unknown: list[str], team_map: dict[str, str]) -> str:
    first = unknown[0]
    if first not in team_map:
        return f"no node inventory in the team lists {first}"
    return f"{first} comes from {team_map[first]}, which has no front-end files to show"


def _packs_of(classes: tuple[str, ...] | list[str], team_map: dict[str, str]) -> tuple[str, ...]:
    return tuple(sorted({team_map[c] for c in classes if team_map.get(c)}, key=str.casefold))


def _judge_models(
    member: Member, workflow: Workflow, files: set[tuple[str, str]]
) -> tuple[bool | None, tuple[ModelNeed, ...]]:
    if not workflow.models:
        return True, ()
    if not member.has_inventory:
        return None, ()
    missing = tuple(
        need
        for need in workflow.models
        if (need.folder, need.name) not in files
        and (FOLDER_ALIASES.get(need.folder, ""), need.name) not in files
    )
    return not missing, missing
