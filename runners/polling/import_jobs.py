""" "Import runners" run off the request: one ImportJob row per run, which its page polls.

Imports wait on ComfyControl's shared budget, so one worker per process does them in turn.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import connection, transaction
from django.utils import timezone

from runners.models import ApiToken, ImportJob
from runners.polling.importer import import_runners
from runners.teams import audit
from runners.upstream.errors import UpstreamError

log = logging.getLogger(__name__)

# A job still "running" after this long belongs to a process that died.
ABANDONED_AFTER = timedelta(minutes=15)
UNEXPECTED = "The import stopped on an unexpected error; it can be run again."

_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="import")


def start(token: ApiToken, by: AbstractBaseUser) -> ImportJob:
    """Start an import with the token off the request, or return the one already running."""
    running = latest(token)
    if running is not None and running.is_running:
        return running
    job = ImportJob.objects.create(token=token, started_by=by)
    transaction.on_commit(lambda: _pool.submit(_run_in_thread, job.pk))
    return job


def latest(token: ApiToken) -> ImportJob | None:
    """The token's latest import; one left running by a dead process is marked failed."""
    job = token.imports.first()
    if job is not None and job.is_running and job.started_at < timezone.now() - ABANDONED_AFTER:
        _finish(job, ImportJob.State.FAILED, sentence=UNEXPECTED)
    return job


def run(job_id: int) -> ImportJob:
    """Do the import of a job and write its outcome on the row; returns the finished job."""
    job = ImportJob.objects.select_related("token__team").get(pk=job_id)

    seen: dict[str, tuple[int, int]] = {}  # kind -> (listed, total)

    def progress(kind: str, listed: int, total: int) -> None:
        seen[kind] = (listed, total)
        ImportJob.objects.filter(pk=job.pk).update(
            listed=sum(n for n, _ in seen.values()), total=sum(t for _, t in seen.values())
        )

    try:
        result = import_runners(job.token, progress)
    except UpstreamError as error:
        _finish(job, ImportJob.State.FAILED, sentence=error.sentence)
    else:
        counts = {
            name: getattr(result, name) for name in ("created", "updated", "unchanged", "removed")
        }
        _finish(job, ImportJob.State.DONE, sentence="; ".join(result.skipped), **counts)
        audit.note(job.token.team, job.started_by, audit.Action.RUNNERS_IMPORTED, job.token.label)
    job.refresh_from_db()
    return job


def _finish(job: ImportJob, state: str, **fields: object) -> None:
    ImportJob.objects.filter(pk=job.pk).update(state=state, finished_at=timezone.now(), **fields)
    job.refresh_from_db()


def _run_in_thread(job_id: int) -> None:
    try:
        run(job_id)
    except Exception:
        log.exception("import %s failed", job_id)
        ImportJob.objects.filter(pk=job_id).update(
            state=ImportJob.State.FAILED, finished_at=timezone.now(), sentence=UNEXPECTED
        )
    finally:
        connection.close()
