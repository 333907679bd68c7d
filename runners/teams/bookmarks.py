"""Runner bookmarks changed in the app: added, edited, paused, resumed, deleted; each noted in
the team's audit trail."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from runners.history import uptime
from runners.models import Runner, RunnerState
from runners.polling.background import refresh_soon
from runners.status import Status
from runners.teams import audit


@transaction.atomic
def save(runner: Runner, by: AbstractBaseUser) -> Runner:
    """Save a runner a form filled in (new or changed) and note it; a new one is fetched soon."""
    adding = runner.pk is None
    runner.save()
    action = audit.Action.RUNNER_ADDED if adding else audit.Action.RUNNER_CHANGED
    audit.note(runner.team, by, action, runner.name)
    if adding:
        transaction.on_commit(lambda: refresh_soon([runner]))
    return runner


@transaction.atomic
def pause(runner: Runner, by: AbstractBaseUser) -> None:
    """Stop polling the runner (maintenance): it is shown paused, with who and when, and not
    counted as down."""
    if runner.paused:
        return
    now = timezone.now()
    Runner.objects.filter(pk=runner.pk).update(paused=True, paused_by=by, paused_at=now)
    state, _ = RunnerState.objects.get_or_create(runner=runner)
    sentence = f"Paused by {by.get_username()} on {now:%Y-%m-%d %H:%M} UTC."
    RunnerState.objects.filter(pk=runner.pk).update(
        status=Status.PAUSED, status_since=now, error_sentence=sentence, lease_until=None
    )
    uptime.note_status(runner.pk, int(now.timestamp()), state.status, Status.PAUSED)
    audit.note(runner.team, by, audit.Action.RUNNER_PAUSED, runner.name)


@transaction.atomic
def resume(runner: Runner, by: AbstractBaseUser) -> None:
    """Poll the runner again, at once."""
    if not runner.paused:
        return
    Runner.objects.filter(pk=runner.pk).update(paused=False, paused_by=None, paused_at=None)
    RunnerState.objects.filter(pk=runner.pk).update(error_sentence="", fetched_at=None)
    audit.note(runner.team, by, audit.Action.RUNNER_RESUMED, runner.name)
    transaction.on_commit(lambda: refresh_soon([_fresh(runner)], force=True))


def delete(runner: Runner, by: AbstractBaseUser) -> None:
    """Delete the bookmark and its history; the runner itself is not touched."""
    with transaction.atomic():
        audit.note(runner.team, by, audit.Action.RUNNER_DELETED, runner.name)
        runner.delete()


def _fresh(runner: Runner) -> Runner:
    return Runner.objects.select_related("state", "token").get(pk=runner.pk)
