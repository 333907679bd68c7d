"""The log of version and extension-pack changes between two successful fetches of a runner."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from runners.models import SoftwareChange
from runners.stats import RunnerStats

VERSIONS = (
    ("ComfyUI", "comfyui_version"),
    ("Python", "python_version"),
    ("PyTorch", "pytorch_version"),
)
# A runner that swaps between two big sets of packs on every fetch must not flood the log.
MAX_CHANGES_PER_FETCH = 200

Change = tuple[str, str, str, str]  # kind, item, before, after


def differences(before: RunnerStats, after: RunnerStats) -> list[Change]:
    """What changed from `before` to `after`: versions first, then packs by name."""
    return [*_version_changes(before, after), *_pack_changes(before, after)]


def note(runner_id: int, ts: int, previous: Mapping[str, Any] | None, stats: RunnerStats) -> None:
    """Log what changed since the previous successful fetch's stats (nothing the first time)."""
    if previous is None:
        return
    changes = differences(RunnerStats.from_dict(previous), stats)[:MAX_CHANGES_PER_FETCH]
    SoftwareChange.objects.bulk_create(
        SoftwareChange(runner_id=runner_id, ts=ts, kind=kind, item=item, before=old, after=new)
        for kind, item, old, new in changes
    )


def recent(runner_id: int, limit: int = 50) -> list[SoftwareChange]:
    """The runner's latest changes, newest first."""
    return list(SoftwareChange.objects.filter(runner_id=runner_id).order_by("-ts", "pk")[:limit])


def _version_changes(before: RunnerStats, after: RunnerStats) -> Iterator[Change]:
    for item, field in VERSIONS:
        old, new = _text(getattr(before, field)), _text(getattr(after, field))
        if old != new:
            yield SoftwareChange.Kind.VERSION, item, old, new


def _pack_changes(before: RunnerStats, after: RunnerStats) -> Iterator[Change]:
    # Every ComfyUI serves core extensions, so an empty list means "not reported", not "none".
    if not before.extensions or not after.extensions or before.extensions == after.extensions:
        return
    old = {pack.name for pack in before.custom_packs}
    new = {pack.name for pack in after.custom_packs}
    for name in sorted(old ^ new, key=str.casefold):
        yield SoftwareChange.Kind.PACK, name, _installed(name in old), _installed(name in new)


def _installed(present: bool) -> str:
    return "installed" if present else ""


def _text(value: object) -> str:
    return "" if value is None else str(value)
