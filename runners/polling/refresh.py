"""Refreshing a runner: the one place that decides when to fetch, and records what came back.

Views and the collector both call `refresh`. A refresh is single-flight across processes: the
caller that wins the lease (a conditional UPDATE on the runner's state row) fetches, everyone
else gets the current state at once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, transaction
from django.db.models import (
    Case,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from runners.alerts import events as alerts
from runners.crypto import DecryptionError
from runners.history import uptime
from runners.history.record import Previous, record
from runners.models import Runner, RunnerState
from runners.polling import budget, holds, inventory
from runners.stats import RunnerStats
from runners.status import Status
from runners.upstream import comfycontrol, comfyui, errors
from runners.upstream.egress import EgressPolicy, Limits
from runners.upstream.fetched import Fetched
from runners.upstream.responses import UNREADABLE

log = logging.getLogger(__name__)

MANUAL_REFRESH_GAP_S = 5
LEASE_MARGIN_S = 5  # a lease outlives the fetch deadline, then expires if its holder died


def refresh(runner: Runner, *, force: bool = False) -> RunnerState:
    """Fetch the runner's stats if due and nobody else is fetching them; return its state.

    `force` (the "refresh now" button) ignores the interval but not the lease, a short minimum
    gap, or a rate-limit pause.
    """
    return attempt(runner, force=force).state


@dataclass(frozen=True)
class Attempt:
    state: RunnerState
    fetched: bool  # by this call; not when the runner was not due, or another process had it
    held_back: bool = False  # due, but ComfyControl's shared budget had no request left


def attempt(runner: Runner, *, force: bool = False) -> Attempt:
    """`refresh`, telling whether this call fetched: the collector counts what it polled."""
    state = _state_of(runner)
    if runner.paused or runner.removed_at:
        status = Status.PAUSED if runner.paused else Status.REMOVED
        return Attempt(_mark(runner, state, status), fetched=False)
    now = timezone.now()
    gap = _gap(runner, force, state)
    # Checked in Python first so that polls of a fresh runner cost no write at all.
    if not _looks_due(state, now, gap) or holds.token_holds(runner, now):
        return Attempt(state, fetched=False)
    # Also read first: a poll that ComfyControl's budget would refuse writes nothing.
    if runner.uses_comfycontrol and budget.wait_s(budget.comfycontrol_host()) > 0:
        return Attempt(state, fetched=False, held_back=True)
    if not _take_lease(runner, now, gap):
        return Attempt(_reloaded(runner), fetched=False)  # another process is fetching it
    held_back = runner.uses_comfycontrol and budget.acquire(budget.comfycontrol_host()) > 0
    if held_back or not holds.claim_probe(runner, now):
        RunnerState.objects.filter(pk=runner.pk).update(lease_until=None)
        return Attempt(_reloaded(runner), fetched=False, held_back=held_back)
    return Attempt(_fetch_and_record(runner, now), fetched=True)


def is_due(runner: Runner) -> bool:
    """Whether `refresh` would fetch now, unless another process holds the lease first."""
    if runner.paused or runner.removed_at:
        return False
    now = timezone.now()
    if holds.token_holds(runner, now):
        return False
    # Read only: a page asks this of every runner it shows on every poll.
    state = getattr(runner, "state", None)
    return state is None or _looks_due(state, now, _gap(runner, False, state))


def maybe_due(runners: QuerySet[Runner], now: datetime) -> QuerySet[Runner]:
    """The runners `is_due` might call due, filtered in the database: every due one, and some
    whose lease, pause or token holds them. The collector asks `is_due` only of these, not of
    every runner on every pass."""
    interval = Case(
        When(source=Runner.Source.DIRECT, then=F("poll_interval")),
        default=Greatest(F("poll_interval"), Value(comfycontrol_interval_floor())),
    )
    # `_gap`'s slack is at most a second, so a second less keeps every due runner.
    gap = ExpressionWrapper(
        Greatest(interval - 1, F("state__backoff_s")) * Value(timedelta(seconds=1)),
        output_field=DurationField(),
    )
    due_at = ExpressionWrapper(F("state__fetched_at") + gap, output_field=DateTimeField())
    return runners.alias(due_at=due_at).filter(
        Q(paused=False, removed_at__isnull=True),
        Q(state__fetched_at__isnull=True)  # never fetched, or no state row yet
        | Q(due_at__lte=now)
        | Q(state__fetched_at__gt=_horizon(now)),
    )


def effective_interval(runner: Runner, floor: int | None = None) -> int:
    """The runner's poll interval, stretched when ComfyControl's budget cannot cover it.

    Callers with many runners pass `floor`, from `comfycontrol_interval_floor`, read once.
    """
    if not runner.uses_comfycontrol:
        return runner.poll_interval
    return max(runner.poll_interval, comfycontrol_interval_floor() if floor is None else floor)


def comfycontrol_interval_floor() -> int:
    """Seconds between polls that keep every ComfyControl runner inside the shared budget."""
    floor = cache.get("comfycontrol_interval_floor")
    if floor is None:
        count = holds.polled_comfycontrol_runners().count()
        floor = int(-(-count // budget.requests_per_second()))
        cache.set("comfycontrol_interval_floor", floor, 60)
    return floor


def _state_of(runner: Runner) -> RunnerState:
    try:
        return runner.state
    except RunnerState.DoesNotExist:
        state, _ = RunnerState.objects.get_or_create(runner=runner)
        runner.state = state
        return state


def _reloaded(runner: Runner) -> RunnerState:
    runner.state = RunnerState.objects.get(pk=runner.pk)
    return runner.state


def _gap(runner: Runner, force: bool, state: RunnerState) -> float:
    """Seconds that must have passed since the last fetch."""
    if force:
        return MANUAL_REFRESH_GAP_S
    interval = effective_interval(runner)
    # Viewers poll on their own clocks; a little slack keeps a fetch from slipping a whole
    # interval because the first poll arrived a moment early.
    return max(interval - min(1.0, 0.04 * interval), state.backoff_s)


def _lease_s() -> float:
    return settings.UPSTREAM_DEADLINE + LEASE_MARGIN_S


def _horizon(now: datetime) -> datetime:
    """No lease or pause reaches past this; a later stamp was made before the clock went back."""
    return now + timedelta(seconds=_lease_s() + budget.PAUSE_AFTER_429_S)


def _looks_due(state: RunnerState, now: datetime, gap: float) -> bool:
    horizon = _horizon(now)
    for hold in (state.lease_until, state.retry_at):
        if hold and now < hold <= horizon:
            return False
    fetched = state.fetched_at
    return fetched is None or fetched <= now - timedelta(seconds=gap) or fetched > horizon


def _take_lease(runner: Runner, now: datetime, gap: float) -> bool:
    """Win the right to fetch with one conditional UPDATE; only one process can."""
    horizon = _horizon(now)
    # A fetched_at after `now` but inside the horizon is another process's fetch that committed
    # after this one read the clock, not a clock jump: it must not win a second lease.
    due = (
        Q(fetched_at__isnull=True)
        | Q(fetched_at__lte=now - timedelta(seconds=gap))
        | Q(fetched_at__gt=horizon)
    )
    free = Q(lease_until__isnull=True) | Q(lease_until__lte=now) | Q(lease_until__gt=horizon)
    not_paused = Q(retry_at__isnull=True) | Q(retry_at__lte=now) | Q(retry_at__gt=horizon)
    won = RunnerState.objects.filter(due, free, not_paused, pk=runner.pk).update(
        lease_until=now + timedelta(seconds=_lease_s())
    )
    return won == 1


def _fetch_and_record(runner: Runner, now: datetime) -> RunnerState:
    """Fetch and record the outcome; whatever the runner sent, only this runner fails."""
    try:
        fetched = fetch(runner)
    except errors.UpstreamError as error:
        return _record_failure(runner, now, error)
    except DatabaseError:
        raise
    except Exception:
        log.exception("runner %s %r: its answer could not be read", runner.pk, runner.name)
        return _record_failure(runner, now, errors.BadResponse(UNREADABLE))
    try:
        state = _record_success(runner, now, fetched)
    except Exception:
        # Rolled back with its transaction: the failure below is recorded in a fresh one.
        log.exception("runner %s %r: its answer could not be stored", runner.pk, runner.name)
        return _record_failure(runner, now, errors.BadResponse(UNREADABLE))
    _note_software(runner, now, fetched.stats)
    return state


def _note_software(runner: Runner, now: datetime, stats: RunnerStats) -> None:
    """The fetch's software, node inventory and the team's drift, once the fetch is stored.

    A failure here is logged and left to the next fetch: the fetch stays recorded as it was.
    """
    try:
        inventory.after_fetch(runner, now, stats)
    except Exception:
        log.exception("runner %s %r: its software could not be noted", runner.pk, runner.name)


def fetch(runner: Runner) -> Fetched:
    """One fetch of the runner's stats, as polling does it (saved or not); records nothing.

    Raises an UpstreamError for every failure.
    """
    limits = Limits.from_settings()
    try:
        if runner.uses_comfycontrol:
            return comfycontrol.fetch_stats(
                settings.COMFYCONTROL_API_URL,
                runner.token.secret,
                runner.source,
                runner.comfycontrol_id,
                limits,
            )
        return comfyui.fetch_stats(
            runner.base_url, runner.headers or {}, EgressPolicy.from_settings(), limits
        )
    except DecryptionError:
        raise errors.Undecryptable() from None


def _record_success(runner: Runner, now: datetime, fetched: Fetched) -> RunnerState:
    stats = fetched.stats
    with transaction.atomic():
        previous = _previous(runner)
        record(runner.pk, int(now.timestamp()), previous, Status.OK, stats, fetched.latency_ms)
        _update_state(
            runner,
            now,
            Status.OK,
            error_sentence="",
            error_detail="",
            succeeded_at=now,
            latency_ms=fetched.latency_ms,
            stats=stats.to_dict(),
            raw={"argv": list(fetched.argv)},
            **summary_columns(stats),
            retry_at=None,
            backoff_s=0,
        )
        alerts.note_fetch(runner, now)
        holds.note_token_outcome(runner, now, Status.OK, "")
    return _reloaded(runner)


def _record_failure(runner: Runner, now: datetime, error: errors.UpstreamError) -> RunnerState:
    retry_at = None
    if isinstance(error, errors.RateLimited) and runner.uses_comfycontrol:
        retry_at = datetime.fromtimestamp(budget.pause(budget.comfycontrol_host()), tz=UTC)
    log.info("runner %s: %s", runner.pk, error.code)
    with transaction.atomic():
        record(runner.pk, int(now.timestamp()), _previous(runner), error.code)
        _update_state(
            runner,
            now,
            error.code,
            error_sentence=error.sentence,
            error_detail=error.detail,
            latency_ms=None,
            retry_at=retry_at,
            backoff_s=holds.backoff_after(
                error, effective_interval(runner), _state_of(runner).backoff_s
            ),
        )
        alerts.note_fetch(runner, now)
        holds.note_token_outcome(runner, now, error.code, error.sentence)
    return _reloaded(runner)


def summary_columns(stats: RunnerStats) -> dict[str, object]:
    """The state row's copies of stats that the dashboard filters, sorts and adds up in SQL."""
    return {
        "vram_free_max": stats.largest_vram_free,
        "vram_free_total": stats.vram_free_total,
        "idle_gpus": stats.idle_gpu_count,
        "gpu_models": ", ".join(sorted({d.model for d in stats.devices}))[:500],
    }


def _previous(runner: Runner) -> Previous:
    """The state this fetch replaces, read inside its transaction: a cached one may be stale."""
    state = RunnerState.objects.only("status", "fetched_at", "stats").get(pk=runner.pk)
    fetched_ts = state.fetched_at and int(state.fetched_at.timestamp())
    return Previous(state.status, fetched_ts, state.stats)


def _update_state(runner: Runner, now: datetime, status: Status, **fields: object) -> None:
    failing = Status.in_group("failing")
    RunnerState.objects.filter(pk=runner.pk).update(
        status=status,
        status_since=Case(When(status=status, then=F("status_since")), default=Value(now)),
        # Down since the first failure after the runner last worked, whatever failures followed.
        down_since=(
            Case(
                When(status__in=failing, then=Coalesce(F("down_since"), Value(now))),
                default=Value(now),
            )
            if status in failing
            else None
        ),
        fetched_at=now,
        lease_until=None,
        **fields,
    )


def _mark(runner: Runner, state: RunnerState, status: Status) -> RunnerState:
    """Put a runner that is not polled (paused, removed upstream) in that state, once."""
    if state.status != status:
        now = timezone.now()
        RunnerState.objects.filter(pk=runner.pk).update(status=status, status_since=now)
        uptime.note_status(runner.pk, int(now.timestamp()), state.status, status)
        state.refresh_from_db()
    return state
