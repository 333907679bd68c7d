"""Rules judged once per collector pass for a whole team: the rate budget stretching intervals."""

from __future__ import annotations

from runners.alerts.conditions import Conditions
from runners.alerts.rules import Draft, Rule, Setting, register
from runners.models import Team
from runners.polling import holds


def judge_budget(team: Team, setting: Setting, now_ts: int) -> list[Draft]:
    """team.budget_stretched when ComfyControl's shared budget stretches a runner's interval,
    team.budget_normal when none is stretched any more."""
    # Imported here: polling imports alerts, which must be importable first.
    from runners.polling.refresh import comfycontrol_interval_floor

    floor = comfycontrol_interval_floor()
    stretched = (
        holds.polled_comfycontrol_runners().filter(team=team, poll_interval__lt=floor).count()
    )
    conditions = Conditions(team.pk, "team")
    if stretched and conditions.get("budget") is None:
        conditions.open("budget", now_ts, alerted=True)
        summary = (
            f"{team.name}: ComfyControl's rate budget stretches the poll interval of "
            f"{stretched} runner{'s' if stretched != 1 else ''} to {floor} s."
        )
        return [
            Draft("team.budget_stretched", summary, {"runners": stretched, "interval_s": floor})
        ]
    if not stretched and conditions.close("budget") is not None:
        summary = f"{team.name}: no runner's poll interval is stretched by the rate budget now."
        return [Draft("team.budget_normal", summary, {})]
    return []


register(
    Rule(
        "budget",
        "Intervals stretched",
        "ComfyControl's shared rate budget stretches poll intervals beyond what was set.",
        Setting(True),
        on_pass=judge_budget,
    )
)
