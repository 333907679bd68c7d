"""Events: what rules asked for, written with one delivery per channel of the team."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from runners.alerts import catalog, rules  # noqa: F401  (catalog registers every rule)
from runners.alerts.conditions import Conditions
from runners.models import Channel, Delivery, Event, Runner, RunnerState, Team
from runners.stats import RunnerStats
from runners.status import Status

log = logging.getLogger(__name__)


def note_fetch(runner: Runner, now: datetime) -> None:
    """Judge the fetch just recorded at `now` by the team's rules and write the events it
    raises. Called inside the fetch's transaction, after the state row is updated and before
    polling records a token's refusal. Costs one query for a team without channels."""
    channel_ids = _channel_ids(runner.team_id)
    if not channel_ids:
        return
    settings = rules.settings_for(runner.team_id, runner.pk)
    fetch = _fetch(runner, now)
    drafts = [
        draft
        for rule in rules.fetch_rules()
        if settings[rule.kind].enabled
        for draft in rule.on_fetch(fetch, settings[rule.kind])
    ]
    write(runner.team_id, runner.pk, fetch.ts, drafts, channel_ids)


def judge_fleet(now_ts: int) -> int:
    """Judge the whole-team rules of every team with a channel; returns the events written."""
    written = 0
    teams = Team.objects.filter(pk__in=Channel.objects.values("team_id"))
    for team in teams:
        settings = rules.settings_for(team.pk)
        for rule in rules.pass_rules():
            if not settings[rule.kind].enabled:
                continue
            with transaction.atomic():
                drafts = rule.on_pass(team, settings[rule.kind], now_ts)
                written += write(team.pk, None, now_ts, drafts, _channel_ids(team.pk))
    return written


def write(
    team_id: int,
    runner_id: int | None,
    ts: int,
    drafts: Iterable[rules.Draft],
    channel_ids: list[int],
) -> int:
    """Write the drafts as events, each with a pending delivery to every channel."""
    events = Event.objects.bulk_create(
        Event(
            team_id=team_id,
            runner_id=runner_id,
            kind=d.kind,
            ts=ts,
            summary=d.summary[:300],
            details=d.details,
        )
        for d in drafts
    )
    now = timezone.now()
    Delivery.objects.bulk_create(
        Delivery(event=event, channel_id=channel_id, next_at=now)
        for event in events
        for channel_id in channel_ids
    )
    for event in events:
        log.info("alert %s: %s for team %s", event.pk, event.kind, team_id)
    return len(events)


def prune(before_ts: int) -> int:
    """Delete events (and their deliveries) older than `before_ts`; returns how many events."""
    _, by_model = Event.objects.filter(ts__lt=before_ts).delete()
    return by_model.get("runners.Event", 0)


def _channel_ids(team_id: int) -> list[int]:
    return list(Channel.objects.filter(team_id=team_id).values_list("pk", flat=True))


def _fetch(runner: Runner, now: datetime) -> rules.Fetch:
    state = RunnerState.objects.only("status", "error_sentence", "down_since", "stats").get(
        pk=runner.pk
    )
    status = Status(state.status)
    stats = RunnerStats.from_dict(state.stats) if status == Status.OK and state.stats else None
    return rules.Fetch(
        runner=runner,
        ts=int(now.timestamp()),
        status=status,
        sentence=state.error_sentence or status.sentence,
        down_since_ts=state.down_since and int(state.down_since.timestamp()),
        stats=stats,
        conditions=Conditions.of_runner(runner.team_id, runner.pk),
    )
