"""The rule registry: each rule's name, defaults, and the function that judges it.

A rule judges either one fetch (`on_fetch`, inside the fetch's transaction) or the whole fleet
once per collector pass (`on_pass`). Rules register themselves from their own modules;
`catalog` imports them all. Another area adds a rule by calling `register` in its module and
importing that module from `catalog`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from django.db.models import Q

from runners.alerts.conditions import Conditions
from runners.models import RuleSetting, Runner, Team
from runners.stats import RunnerStats
from runners.status import Status


@dataclass(frozen=True)
class Setting:
    enabled: bool
    minutes: int | None = None
    gib: float | None = None


@dataclass(frozen=True)
class Draft:
    """An event a rule asks for: `kind` is what receivers switch on (runner.down, …)."""

    kind: str
    summary: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Fetch:
    """What a rule judges after one fetch, read inside the fetch's transaction."""

    runner: Runner
    ts: int
    status: Status
    sentence: str
    down_since_ts: int | None
    stats: RunnerStats | None  # the fetch's stats when it succeeded
    conditions: Conditions


@dataclass(frozen=True)
class Rule:
    kind: str
    label: str
    help: str
    default: Setting
    on_fetch: Callable[[Fetch, Setting], list[Draft]] | None = None
    on_pass: Callable[[Team, Setting, int], list[Draft]] | None = None


REGISTRY: dict[str, Rule] = {}


def register(rule: Rule) -> Rule:
    """Add a rule to the registry (its kind is the key of its settings); returns it."""
    REGISTRY[rule.kind] = rule
    return rule


def fetch_rules() -> list[Rule]:
    return [rule for rule in REGISTRY.values() if rule.on_fetch is not None]


def pass_rules() -> list[Rule]:
    return [rule for rule in REGISTRY.values() if rule.on_pass is not None]


def settings_for(team_id: int, runner_id: int | None = None) -> dict[str, Setting]:
    """Every rule's setting for the team, or for one runner: its on/off override wins."""
    found = {kind: rule.default for kind, rule in REGISTRY.items()}
    rows = RuleSetting.objects.filter(team_id=team_id).filter(
        Q(runner__isnull=True) | Q(runner_id=runner_id)
    )
    # The team's rows first, so that a runner's on/off overrides them.
    for row in sorted(rows, key=lambda row: row.runner_id is not None):
        if row.kind not in found:
            continue
        if row.runner_id is None:
            default = REGISTRY[row.kind].default
            found[row.kind] = Setting(
                row.enabled,
                default.minutes if row.minutes is None else row.minutes,
                default.gib if row.gib is None else row.gib,
            )
        else:
            found[row.kind] = replace(found[row.kind], enabled=row.enabled)
    return found
