"""No request spent on what cannot answer: a rejected token, a runner that is not found, a
runner ComfyControl no longer lists. Polling asks here whether a runner is held back.

- A token that ComfyControl refused (401, or 403, which the plan's lack of managed runners
  causes) stops every runner it covers until the token changes; one of them probes once an
  hour, to notice a plan upgrade.
- A runner that is not found (404) waits twice as long after each 404, up to an hour.
- A runner an import found removed upstream is not polled until an import lists it again.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Q, QuerySet, Value
from django.db.models.functions import Coalesce

from runners.history import uptime
from runners.models import ApiToken, Runner, RunnerState
from runners.status import Status
from runners.units import HOUR
from runners.upstream import errors

PROBE_EVERY_S = HOUR
MAX_BACKOFF_S = HOUR
TOKEN_REJECTIONS = (Status.UNAUTHORIZED, Status.FORBIDDEN)


def token_holds(runner: Runner, now: datetime) -> bool:
    """Whether the runner's token was refused for it and the hour's probe is not due yet."""
    token = runner.token if runner.uses_comfycontrol else None
    if token is None or not _covers(token, runner):
        return False
    return token.rejected_at > now - timedelta(seconds=PROBE_EVERY_S)


def claim_probe(runner: Runner, now: datetime) -> bool:
    """For a runner of a refused token: win this hour's probe (one runner of the token can)."""
    if not runner.uses_comfycontrol or runner.token is None or not _covers(runner.token, runner):
        return True
    due = now - timedelta(seconds=PROBE_EVERY_S)
    won = ApiToken.objects.filter(pk=runner.token_id, rejected_at__lte=due).update(rejected_at=now)
    return won == 1


def backoff_after(error: errors.UpstreamError | None, interval_s: int, previous_s: int) -> int:
    """Seconds the next fetch waits after this outcome: doubling after each "not found"."""
    if not isinstance(error, errors.NotFound):
        return 0
    return min(MAX_BACKOFF_S, max(2 * interval_s, 2 * previous_s))


def note_token_outcome(runner: Runner, now: datetime, status: Status, sentence: str) -> None:
    """Record what a ComfyControl fetch said of the runner's token, in one write: a refusal
    holds back every runner it covers, showing the same failure; anything else lifts one."""
    if runner.token_id is None:
        return
    refused = status in TOKEN_REJECTIONS
    ApiToken.objects.filter(pk=runner.token_id).update(
        last_used_at=now,
        last_status=status,
        rejected_at=now if refused else None,
        rejected_status=status if refused else "",
    )
    if refused:
        _show_on_covered(runner, now, status, sentence)


def polled_comfycontrol_runners() -> QuerySet[Runner]:
    """The ComfyControl runners polled at their interval: what the shared budget must cover."""
    return (
        Runner.objects.exclude(source=Runner.Source.DIRECT)
        .filter(paused=False, removed_at__isnull=True)
        .exclude(state__backoff_s__gt=0)
        .exclude(Q(token__rejected_at__isnull=False) & _covered_q())
    )


def _covered_q() -> Q:
    """Runners whose token's refusal covers them: every one for 401, managed ones for 403."""
    return Q(token__rejected_status=Status.UNAUTHORIZED) | Q(
        token__rejected_status=Status.FORBIDDEN, source=Runner.Source.MANAGED
    )


def _covers(token: ApiToken, runner: Runner) -> bool:
    if token.rejected_at is None:
        return False
    return token.rejected_status == Status.UNAUTHORIZED or runner.source == Runner.Source.MANAGED


def _show_on_covered(runner: Runner, now: datetime, status: Status, sentence: str) -> None:
    """Give every other runner the refusal covers the same failure, with a state row or not."""
    runners = Runner.objects.filter(token_id=runner.token_id, paused=False).exclude(pk=runner.pk)
    if status == Status.FORBIDDEN:
        runners = runners.filter(source=Runner.Source.MANAGED)
    runner_ids = set(runners.values_list("pk", flat=True))
    RunnerState.objects.bulk_create(
        (RunnerState(runner_id=pk) for pk in runner_ids), ignore_conflicts=True
    )
    changing = RunnerState.objects.filter(pk__in=runner_ids).exclude(status=status)
    uptime.note_statuses(list(changing.values_list("pk", flat=True)), int(now.timestamp()), status)
    changing.update(
        status=status,
        status_since=now,
        error_sentence=sentence,
        down_since=Coalesce("down_since", Value(now)),
    )
