"""Delivering events, run by the collector (Healthchecks' `sendalerts` model).

At least once: a delivery is claimed by moving its `next_at` past the attempt's deadline, so
one whose collector died is tried again, with the same event id for receivers to deduplicate.
Never twice at once: claims take row locks that other collectors skip on PostgreSQL; SQLite
serialises writers (IMMEDIATE transactions). Failures are retried with a doubling backoff for up
to a day.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from runners.alerts import events, send
from runners.models import Channel, Delivery
from runners.units import DAY, HOUR, now_ts

log = logging.getLogger(__name__)
_judged_ts = _pruned_ts = 0

BATCH = 20
CLAIM_S = 120  # longer than any attempt: the egress deadline, or EMAIL_TIMEOUT
FIRST_RETRY_S = 30
MAX_RETRY_S = HOUR
GIVE_UP_AFTER_S = DAY
JUDGE_FLEET_EVERY_S = 30  # the whole-team rules change slowly; passes come every second
KEEP_EVENTS_S = 30 * DAY  # the delivery log's history; a delivery gives up after one day
OPEN = (Delivery.State.PENDING, Delivery.State.RETRYING)


def collector_step(limit: int = 200) -> int:
    """What the collector does for alerts each pass: judge the fleet rules, deliver what is due,
    and once an hour forget old events. Returns how many deliveries were attempted."""
    global _judged_ts, _pruned_ts
    now = now_ts()
    if now - _judged_ts >= JUDGE_FLEET_EVERY_S:
        events.judge_fleet(now)
        _judged_ts = now
    if now - _pruned_ts >= HOUR:
        events.prune(now - KEEP_EVENTS_S)
        _pruned_ts = now
    return deliver_due(limit)


def deliver_due(limit: int = 200) -> int:
    """Claim and attempt due deliveries, up to `limit`; returns how many were attempted."""
    attempted = 0
    while attempted < limit and (batch := _claim(min(BATCH, limit - attempted))):
        for delivery in batch:
            attempt(delivery)
        attempted += len(batch)
    return attempted


def attempt(delivery: Delivery) -> Delivery:
    """Send one delivery now and record its outcome (retry time, or given up)."""
    outcome = send.send(delivery.channel, delivery.event)
    now = timezone.now()
    delivery.attempts += 1
    delivery.attempted_at = now
    delivery.status_code = outcome.status_code
    delivery.error = outcome.error[:300]
    age_s = now.timestamp() - delivery.event.ts
    if outcome.ok:
        delivery.state = Delivery.State.SENT
    elif outcome.permanent or age_s >= GIVE_UP_AFTER_S:
        delivery.state = Delivery.State.GAVE_UP
    else:
        delivery.state = Delivery.State.RETRYING
        delivery.next_at = now + timedelta(seconds=retry_after_s(delivery.attempts))
    delivery.save(
        update_fields=["attempts", "attempted_at", "status_code", "error", "state", "next_at"]
    )
    _note_channel(delivery.channel_id, outcome, now)
    log.info("delivery %s of %s: %s", delivery.pk, delivery.event_id, delivery.state)
    return delivery


def retry_after_s(attempts: int) -> int:
    """Seconds before the next try after `attempts` failures: 30 s doubling, at most an hour."""
    return min(MAX_RETRY_S, FIRST_RETRY_S * 2 ** (attempts - 1))


def _claim(limit: int) -> list[Delivery]:
    now = timezone.now()
    due = Delivery.objects.filter(state__in=OPEN, next_at__lte=now).order_by("next_at", "pk")
    # Read first: on SQLite the claim's transaction takes the write lock even to find nothing.
    if not due.exists():
        return []
    with transaction.atomic():
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        ids = list(due.values_list("pk", flat=True)[:limit])
        Delivery.objects.filter(pk__in=ids).update(next_at=now + timedelta(seconds=CLAIM_S))
    claimed = Delivery.objects.filter(pk__in=ids).order_by("next_at", "pk")
    return list(claimed.select_related("event__team", "event__runner", "channel"))


def _note_channel(channel_id: int, outcome: send.Outcome, now: object) -> None:
    channel = Channel.objects.filter(pk=channel_id)
    if outcome.ok:
        channel.update(failing_since=None, last_error="")
    else:
        channel.update(
            failing_since=Coalesce(F("failing_since"), Value(now)), last_error=outcome.error[:300]
        )
