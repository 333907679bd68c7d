"""The fleet-intelligence rule: a runner drifted from its team's baseline (or majority).

Judged once per collector pass from the drift sentences `runners.intel.drift` stores when
software or the baseline changes; one condition per drifting runner, so a runner is alerted
once when it drifts and once when it matches again.
"""

from __future__ import annotations

from runners.alerts.conditions import Conditions
from runners.alerts.rules import Draft, Rule, Setting, register
from runners.intel.models import Software
from runners.models import Team

KIND = "drift"


def judge_drift(team: Team, setting: Setting, now_ts: int) -> list[Draft]:
    """runner.drifted for each runner that newly drifts, runner.drift_resolved for each that
    matches again."""
    drafts = []
    rows = Software.objects.filter(runner__team=team).values_list(
        "runner_id", "runner__slug", "runner__name", "drift"
    )
    for runner_id, slug, name, sentence in rows:
        conditions = Conditions.of_runner(team.pk, runner_id)
        details = {"runner": slug, "drift": sentence}
        if sentence and conditions.get(KIND) is None:
            conditions.open(KIND, now_ts, alerted=True)
            drafts.append(Draft("runner.drifted", f"{name} drifted: {sentence}.", details))
        elif not sentence and conditions.close(KIND) is not None:
            summary = f"{name} matches the team's setup again."
            drafts.append(Draft("runner.drift_resolved", summary, details))
    return drafts


register(
    Rule(
        KIND,
        "Software drift",
        "A runner lacks packs the team's baseline (or most of its runners) has, or runs "
        "another ComfyUI version.",
        Setting(False),
        on_pass=judge_drift,
    )
)
