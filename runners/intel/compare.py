"""Two runners side by side: packs, ComfyUI, Python, PyTorch and GPUs."""

from __future__ import annotations

from dataclasses import dataclass

from runners.models import Runner
from runners.stats import RunnerStats


@dataclass(frozen=True)
class Line:
    label: str
    left: str
    right: str

    @property
    def differs(self) -> bool:
        return self.left != self.right


@dataclass(frozen=True)
class Comparison:
    left: Runner
    right: Runner
    lines: list[Line]
    only_left: list[str]  # packs
    only_right: list[str]
    both: list[str]


def compare(left: Runner, right: Runner) -> Comparison:
    """The two runners' software and GPUs; runners loaded with their state and software."""
    a, b = _stats(left), _stats(right)
    lines = [
        Line("ComfyUI", _text(a.comfyui_version), _text(b.comfyui_version)),
        Line("Python", _text(a.python_version), _text(b.python_version)),
        Line("PyTorch", _text(a.pytorch_version), _text(b.pytorch_version)),
        Line("GPUs", _gpus(a), _gpus(b)),
    ]
    packs_a, packs_b = set(_packs(left)), set(_packs(right))
    return Comparison(
        left,
        right,
        lines,
        _sorted(packs_a - packs_b),
        _sorted(packs_b - packs_a),
        _sorted(packs_a & packs_b),
    )


def _stats(runner: Runner) -> RunnerStats:
    state = getattr(runner, "state", None)
    return RunnerStats.from_dict(state.stats) if state and state.stats else RunnerStats()


def _packs(runner: Runner) -> list[str]:
    software = getattr(runner, "software", None)
    return software.packs if software else []


def _gpus(stats: RunnerStats) -> str:
    return (
        ", ".join(
            f"{len(gpus)} x {model}" if len(gpus) > 1 else model for model, gpus in stats.gpu_groups
        )
        or "none"
    )


def _text(value: object) -> str:
    return "—" if value is None else str(value)


def _sorted(names: set[str]) -> list[str]:
    return sorted(names, key=str.casefold)
