"""Rules judged after each fetch of a runner: down and up (with flapping damped), free VRAM,
software changes, and a ComfyControl token the fetch found refused."""

from __future__ import annotations

from runners.alerts.rules import Draft, Fetch, Rule, Setting, register
from runners.models import ApiToken, SoftwareChange, StatusChange
from runners.polling.holds import TOKEN_REJECTIONS
from runners.status import Status
from runners.units import GIB, MINUTE

# A runner that recovered this often inside the window is flapping: one alert stands in for
# its downs and ups until it has been steady for a whole window.
FLAP_WINDOW_S = 10 * MINUTE
FLAP_RECOVERIES = 3


def _runner(fetch: Fetch) -> dict[str, str]:
    return {"slug": fetch.runner.slug, "name": fetch.runner.name}


def _name(fetch: Fetch) -> str:
    return f"“{fetch.runner.name}” ({fetch.runner.team.name})"


def judge_down(fetch: Fetch, setting: Setting) -> list[Draft]:
    """runner.down after N minutes down, runner.up when it recovers; flapping is damped."""
    flapping = _judge_flapping(fetch)
    if flapping is not None:
        return flapping
    conditions = fetch.conditions
    if fetch.status in TOKEN_REJECTIONS:
        return []  # the token's own alert says it once for every runner it holds back
    if fetch.status.is_failing and conditions.get("down") is None:
        down_s = fetch.ts - (fetch.down_since_ts or fetch.ts)
        if down_s >= (setting.minutes or 0) * MINUTE:
            conditions.open("down", fetch.down_since_ts or fetch.ts, alerted=True)
            details = {"runner": _runner(fetch), "status": fetch.status.value, "down_s": down_s}
            details["sentence"] = fetch.sentence
            return [Draft("runner.down", f"{_name(fetch)} is down: {fetch.sentence}", details)]
    if fetch.status == Status.OK and (was := conditions.close("down")) is not None:
        details = {"runner": _runner(fetch), "down_s": fetch.ts - was.since_ts}
        return [Draft("runner.up", f"{_name(fetch)} is up again.", details)]
    return []


def _judge_flapping(fetch: Fetch) -> list[Draft] | None:
    """The flapping alert, or [] while it stands in for downs and ups; None when steady."""
    conditions = fetch.conditions
    changes = StatusChange.objects.filter(
        runner_id=fetch.runner.pk, ts__gt=fetch.ts - FLAP_WINDOW_S
    )
    if conditions.get("flapping") is None:
        if changes.filter(status=Status.OK).count() < FLAP_RECOVERIES:
            return None
        conditions.open("flapping", fetch.ts, alerted=True)
        conditions.close("down")
        summary = f"{_name(fetch)} is flapping: it went down and up again several times."
        details = {"runner": _runner(fetch), "window_s": FLAP_WINDOW_S}
        return [Draft("runner.flapping", summary, details)]
    if changes.exists():
        return []
    conditions.close("flapping")
    return None


def judge_vram(fetch: Fetch, setting: Setting) -> list[Draft]:
    """runner.vram_low when every GPU had less than X GiB free for N minutes; then vram_ok."""
    if fetch.status != Status.OK or fetch.stats is None:
        return []
    free = [gpu.vram_free for gpu in fetch.stats.gpus if gpu.vram_free is not None]
    limit = (setting.gib or 0) * GIB
    conditions = fetch.conditions
    if free and all(bytes_free < limit for bytes_free in free):
        condition = conditions.get("vram_low") or conditions.open(
            "vram_low", fetch.ts, alerted=False
        )
        if condition.alerted or fetch.ts - condition.since_ts < (setting.minutes or 0) * MINUTE:
            return []
        conditions.open("vram_low", condition.since_ts, alerted=True)
        summary = f"{_name(fetch)} has less than {setting.gib:g} GiB of VRAM free on every GPU."
        details = {"runner": _runner(fetch), "vram_free": free, "below_gib": setting.gib}
        return [Draft("runner.vram_low", summary, details)]
    was = conditions.close("vram_low")
    if was is None or not was.alerted:
        return []
    summary = f"{_name(fetch)} has {setting.gib:g} GiB of VRAM or more free again."
    return [Draft("runner.vram_ok", summary, {"runner": _runner(fetch), "vram_free": free})]


def judge_software(fetch: Fetch, setting: Setting) -> list[Draft]:
    """runner.software_changed with what the change log recorded for this fetch."""
    if fetch.stats is None:
        return []
    changes = list(SoftwareChange.objects.filter(runner_id=fetch.runner.pk, ts=fetch.ts))
    if not changes:
        return []
    listed = [
        {"item": c.item, "kind": c.kind, "action": c.action, "before": c.before, "after": c.after}
        for c in changes
    ]
    words = ", ".join(f"{c.item} {c.action}" for c in changes[:5])
    more = f" and {len(changes) - 5} more" if len(changes) > 5 else ""
    summary = f"{_name(fetch)} changed its software: {words}{more}."
    return [
        Draft("runner.software_changed", summary, {"runner": _runner(fetch), "changes": listed})
    ]


def judge_token(fetch: Fetch, setting: Setting) -> list[Draft]:
    """team.token_rejected when this fetch found a token refused that was not refused before.

    Judged before polling records the refusal on the token, which then holds its runners back.
    """
    token_id = fetch.runner.token_id
    if fetch.status not in TOKEN_REJECTIONS or token_id is None:
        return []
    token = ApiToken.objects.filter(pk=token_id, rejected_at__isnull=True).first()
    if token is None:
        return []
    summary = f"ComfyControl refused the team's token “{token.label}”: {fetch.sentence}"
    details = {"token": token.label, "status": fetch.status.value, "runner": _runner(fetch)}
    return [Draft("team.token_rejected", summary, details)]


register(
    Rule(
        "down",
        "Runner down",
        "A runner has been failing for N minutes (and when it recovers).",
        Setting(True, minutes=3),
        on_fetch=judge_down,
    )
)
register(
    Rule(
        "vram_low",
        "Free VRAM low",
        "Every GPU of a runner has had less than X GiB free for N minutes (and when it has "
        "more again).",
        Setting(False, minutes=10, gib=4.0),
        on_fetch=judge_vram,
    )
)
register(
    Rule(
        "software",
        "Software changed",
        "ComfyUI, Python or PyTorch version changed, or a pack was added or removed.",
        Setting(True),
        on_fetch=judge_software,
    )
)
register(
    Rule(
        "token_rejected",
        "Token rejected",
        "ComfyControl refused the team's API token (401 or 403).",
        Setting(True),
        on_fetch=judge_token,
    )
)
