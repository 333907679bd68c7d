"""A team's expected software: its saved baseline, or what most of its runners have."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from runners.intel.models import Baseline, Software
from runners.stats import Version


@dataclass(frozen=True)
class Expected:
    """The packs a runner should have and the ComfyUI versions it may run.

    `source` says where it comes from in words: "the baseline runner gpu-01", "the team's
    baseline" or "most of the team's runners".
    """

    packs: frozenset[str]
    comfyui_min: Version | None
    comfyui_max: Version | None
    source: str
    runner_id: int | None = None  # the baseline runner, which never drifts from itself
    is_set: bool = True  # False for the majority: then extra packs are not drift

    def version_ok(self, raw: str) -> bool:
        """Whether a ComfyUI version lies in the range (unknown versions never do)."""
        if self.comfyui_min is None and self.comfyui_max is None:
            return True
        version = Version.parse(raw)
        if version.parts is None:
            return False
        low, high = self.comfyui_min, self.comfyui_max
        return (low is None or version >= low) and (high is None or version <= high)

    @property
    def version_words(self) -> str:
        low, high = self.comfyui_min, self.comfyui_max
        if low is not None and high is not None and low.sort_key == high.sort_key:
            return f"runs {low}"
        if low is not None and high is not None:
            return f"runs {low} to {high}"
        return f"runs at least {low}" if low is not None else f"runs at most {high}"


def expected(
    baseline: Baseline | None, rows: Sequence[Software], names: dict[int, str]
) -> Expected:
    """What a team's runners should have: the baseline if one is set, else the majority."""
    if baseline is not None and baseline.runner_id is not None:
        row = next((r for r in rows if r.runner_id == baseline.runner_id), None)
        if row is not None:
            version = _version(row.comfyui_version)
            source = f"the baseline runner {names.get(row.runner_id, '')}".strip()
            return Expected(frozenset(row.packs), version, version, source, row.runner_id)
    if baseline is not None and baseline.runner_id is None and _says_something(baseline):
        return Expected(
            frozenset(baseline.packs),
            _version(baseline.comfyui_min),
            _version(baseline.comfyui_max),
            "the team's baseline",
        )
    return majority(rows)


def majority(rows: Sequence[Software]) -> Expected:
    """Packs more than half of the runners that report packs have; their most common ComfyUI."""
    known = [row for row in rows if row.packs_known]
    counts = Counter(pack for row in known for pack in row.packs)
    packs = frozenset(pack for pack, n in counts.items() if n * 2 > len(known))
    versions = Counter(row.comfyui_version for row in rows if row.comfyui_version)
    common = max(versions.items(), key=lambda kv: (kv[1], Version.parse(kv[0])), default=None)
    version = _version(common[0]) if common else None
    return Expected(packs, version, version, "most of the team's runners", is_set=False)


def _says_something(baseline: Baseline) -> bool:
    # An empty baseline (or one whose runner was deleted) leaves the majority to decide.
    return bool(baseline.packs or baseline.comfyui_min or baseline.comfyui_max)


def _version(raw: str) -> Version | None:
    version = Version.parse(raw) if raw else None
    return version if version is not None and version.parts is not None else None
