"""What owners do to a team's alerts (services), and what the alerts page reads (selectors)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone

from runners.access import User
from runners.alerts import delivery, rules
from runners.models import Channel, Delivery, Event, Membership, RuleSetting, Runner, Team
from runners.polling.background import collector_alive
from runners.units import now_ts

LOG_LENGTH = 20


def create_channel(team: Team, kind: str, label: str, target: str) -> tuple[Channel, str]:
    """A new channel and, for a webhook, its signing secret (shown once, stored encrypted)."""
    signing_secret = secrets.token_urlsafe(32) if kind == Channel.Kind.WEBHOOK else ""
    channel = Channel.objects.create(
        team=team,
        kind=kind,
        label=label,
        target=target,
        hint=_hint(kind, target),
        signing_secret=signing_secret,
    )
    return channel, signing_secret


def _hint(kind: str, target: str) -> str:
    """What owners see of a channel's target: an address, or a URL's scheme and host."""
    if kind == Channel.Kind.EMAIL:
        return target[:120]
    parts = urlsplit(target)
    return f"{parts.scheme}://{parts.hostname}/…"[:120]


def send_test(channel: Channel) -> Delivery:
    """Deliver a test event to the channel now, in this request; returns its outcome."""
    with transaction.atomic():
        event = Event.objects.create(
            team=channel.team,
            kind="test",
            ts=now_ts(),
            summary=f"A test alert from comfyweb to the channel “{channel.label}”.",
        )
        test = Delivery.objects.create(event=event, channel=channel, next_at=timezone.now()).pk
    sent = delivery.attempt(Delivery.objects.select_related("event__team", "channel").get(pk=test))
    if sent.is_open:
        # The owner saw the outcome: a test is not retried behind their back.
        sent.state = Delivery.State.GAVE_UP
        sent.save(update_fields=["state"])
    return sent


def save_rules(team: Team, settings: dict[str, rules.Setting]) -> None:
    """Store the team's setting of every rule."""
    for kind, setting in settings.items():
        RuleSetting.objects.update_or_create(
            team=team,
            runner=None,
            kind=kind,
            defaults={"enabled": setting.enabled, "minutes": setting.minutes, "gib": setting.gib},
        )


def set_runner_rule(runner: Runner, kind: str, choice: str) -> None:
    """Turn a rule on or off for one runner ("on", "off"), or back to the team's ("team")."""
    if choice == "team":
        RuleSetting.objects.filter(team_id=runner.team_id, runner=runner, kind=kind).delete()
        return
    RuleSetting.objects.update_or_create(
        team_id=runner.team_id, runner=runner, kind=kind, defaults={"enabled": choice == "on"}
    )


def runner_overrides(team: Team) -> list[RuleSetting]:
    return list(
        RuleSetting.objects.filter(team=team, runner__isnull=False)
        .select_related("runner")
        .order_by("runner__name", "kind")
    )


@dataclass(frozen=True)
class ChannelLog:
    channel: Channel
    deliveries: list[Delivery]


def delivery_logs(team: Team) -> list[ChannelLog]:
    """Each channel of the team with its latest deliveries, newest first."""
    return [
        ChannelLog(
            channel,
            list(
                Delivery.objects.filter(channel=channel)
                .select_related("event")
                .order_by("-event__ts", "-pk")[:LOG_LENGTH]
            ),
        )
        for channel in Channel.objects.filter(team=team)
    ]


def notices_for(user: User) -> list[str]:
    """What owners must know about their teams' alerts: none are delivered without a collector,
    and which channels fail."""
    if not user.is_authenticated:
        return []
    owned = Membership.objects.filter(user=user, role=Membership.Role.OWNER).values("team_id")
    channels = list(Channel.objects.filter(team_id__in=owned).select_related("team"))
    if not channels:
        return []
    notices = []
    if not collector_alive():
        notices.append(
            "Alerts are not being delivered: no collector is running "
            "(start `python manage.py collect`; docs/alerts.md)."
        )
    for channel in channels:
        if channel.failing_since is not None:
            notices.append(
                f"The alert channel “{channel.label}” of {channel.team.name} is failing: "
                f"{channel.last_error}"
            )
    return notices
