"""The capacity finder: which of a team's runners meet every condition, best fit first."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from runners.intel.fleet import Member, members, node_rows
from runners.models import Team
from runners.stats import Version
from runners.units import GIB


@dataclass(frozen=True)
class Query:
    """Finder conditions; empty ones are not applied. VRAM in bytes."""

    min_vram_one: int | None = None
    min_vram_all: int | None = None
    gpu: str = ""
    packs: tuple[str, ...] = ()
    nodes: tuple[str, ...] = ()
    comfyui_min: Version | None = None
    comfyui_max: Version | None = None
    idle: bool = False
    up: bool = False
    tag: str = ""
    source: str = ""


@dataclass(frozen=True)
class Found:
    """The matching runners, best fit first, and how many runners each condition excluded."""

    matches: list[Member]
    considered: int
    excluded: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        """The result as JSON for the API: matches best first, and what excluded the rest."""
        return {
            "matches": [member.as_dict() for member in self.matches],
            "considered": self.considered,
            "excluded": self.excluded,
        }

    @property
    def worst(self) -> tuple[str, int] | None:
        """The condition that excluded the most runners."""
        return max(self.excluded.items(), key=lambda kv: kv[1], default=None)


Test = Callable[[Member], bool]


def find(team: Team, query: Query) -> Found:
    """The team's runners that meet the query, most free VRAM on one GPU first; two queries."""
    fleet = members(team)
    tests = _tests(team, query, frozenset().union(*(m.packs for m in fleet)))
    excluded: Counter[str] = Counter()
    matches = []
    for member in fleet:
        failed = [label for label, test in tests if not test(member)]
        excluded.update(failed)
        if not failed:
            matches.append(member)
    matches.sort(key=lambda m: (-(m.vram_free_max or -1), m.name.casefold()))
    return Found(matches, len(fleet), dict(excluded))


def _tests(team: Team, q: Query, team_packs: frozenset[str]) -> list[tuple[str, Test]]:
    tests: list[tuple[str, Test]] = []
    if q.min_vram_one is not None:
        label = f"free VRAM on one GPU ≥ {q.min_vram_one / GIB:g} GiB"
        tests.append((label, lambda m: (m.vram_free_max or 0) >= q.min_vram_one))
    if q.min_vram_all is not None:
        label = f"free VRAM on all GPUs ≥ {q.min_vram_all / GIB:g} GiB"
        tests.append((label, lambda m: (m.vram_free_total or 0) >= q.min_vram_all))
    if q.gpu:
        tests.append((f"GPU “{q.gpu}”", lambda m: q.gpu.casefold() in _gpu_models(m)))
    tests.extend((f"pack {pack}", _has_pack(pack, team_packs)) for pack in q.packs)
    if q.nodes:
        tests.extend(_node_tests(team, q.nodes))
    if q.comfyui_min is not None or q.comfyui_max is not None:
        tests.append((_version_label(q), lambda m: _version_in(m, q)))
    if q.idle:
        tests.append(("idle", lambda m: m.is_idle))
    if q.up:
        tests.append(("up", lambda m: m.is_up))
    if q.tag:
        tests.append((f"tag {q.tag}", lambda m: q.tag.casefold() in _folded(m.tag_list)))
    if q.source:
        tests.append((f"source {q.source}", lambda m: m.source == q.source))
    return tests


def _has_pack(pack: str, team_packs: frozenset[str]) -> Test:
    """A test for the pack as typed, in any case: the team's spellings of it, looked up once."""
    spellings = {name for name in team_packs if name.casefold() == pack.casefold()}
    return lambda m: not m.packs.isdisjoint(spellings)


def _node_tests(team: Team, nodes: tuple[str, ...]) -> list[tuple[str, Test]]:
    # Only an inventory tells which classes a runner has; runners without one do not match.
    present: dict[int, set[str]] = {}
    for runner_id, name, _pack in node_rows(team, nodes):
        present.setdefault(runner_id, set()).add(name)
    return [(f"node {node}", lambda m, n=node: n in present.get(m.id, set())) for node in nodes]


def _gpu_models(member: Member) -> str:
    return (member.gpu_models or "").casefold()


def _folded(names: object) -> set[str]:
    return {name.casefold() for name in names}


def _version_in(member: Member, q: Query) -> bool:
    raw = member.comfyui_version
    version = Version.parse(raw) if raw else None
    if version is None or version.parts is None:
        return False
    return (q.comfyui_min is None or version >= q.comfyui_min) and (
        q.comfyui_max is None or version <= q.comfyui_max
    )


def _version_label(q: Query) -> str:
    low = f"≥ {q.comfyui_min}" if q.comfyui_min else ""
    high = f"≤ {q.comfyui_max}" if q.comfyui_max else ""
    return f"ComfyUI {' '.join(p for p in (low, high) if p)}"
