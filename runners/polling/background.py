"""Refreshing the runners people watch, off their requests.

A page poll never waits on a runner: it hands the due runners on the page to a small pool of
threads in this process, each of which calls `refresh` (so the single-flight lease still
decides who fetches), and answers at once. The change reaches the page on a following poll.
While a collector runs (its heartbeat is fresh), pages leave refreshing to it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import connection

from runners.intel import drift
from runners.models import Heartbeat, Runner
from runners.polling.refresh import is_due, refresh

log = logging.getLogger(__name__)

COLLECTOR = "collector"
# A collector beats at every pass; a pass of 1,000 runners takes about 10 s (docs/benchmarks.md).
COLLECTOR_ALIVE_S = 30.0
_BEAT_CHECK_S = 5.0  # how long a process trusts what it read of the heartbeat
_DRIFT_EVERY_S = 2.0  # while refreshes keep coming, how often the pool updates drift

_pool: ThreadPoolExecutor | None = None
_in_flight: set[int] = set()
_ended_at: dict[int, float] = {}  # runner id: time.time() when this pool's last refresh ended
_lock = threading.Lock()
_beat_seen: tuple[float, bool] = (float("-inf"), False)  # (when read, collector alive)
_drift_at = float("-inf")  # time.monotonic() of the pool's last drift update
_drift_updates: set[int] = set()  # threads updating drift after their refresh


def refresh_soon(
    runners: Iterable[Runner], *, force: bool = False, read_at: float | None = None
) -> int:
    """Start refreshing the due runners (all of them with `force`) in this process's pool,
    unless a collector runs or the pool has no workers; returns how many were started.
    Never waits on a fetch.

    `read_at` (`time.time()`) is when the runners were read, if a while ago: one that this pool
    refreshed since then only looks due."""
    if not settings.PAGE_REFRESH_WORKERS or (not force and collector_alive()):
        return 0
    started = 0
    for runner in runners:
        if (force or is_due(runner)) and _claim(runner.pk, read_at):
            _executor().submit(_refresh, runner.pk, force)
            started += 1
    return started


def collector_alive() -> bool:
    """Whether a collector beat in the last COLLECTOR_ALIVE_S seconds (read every few seconds)."""
    global _beat_seen
    read_at, alive = _beat_seen
    now = time.time()
    if now - read_at > _BEAT_CHECK_S:
        ts = Heartbeat.objects.filter(name=COLLECTOR).values_list("ts", flat=True).first()
        alive = ts is not None and now - ts < COLLECTOR_ALIVE_S
        _beat_seen = (now, alive)
    return alive


def settle(timeout_s: float) -> bool:
    """Wait up to `timeout_s` for this process's refreshes (and the drift updates after them)
    to end; True when none is left."""
    give_up_at = time.monotonic() + timeout_s
    while (_in_flight or _drift_updates) and time.monotonic() < give_up_at:
        time.sleep(0.02)
    return not (_in_flight or _drift_updates)


def beat(name: str = COLLECTOR) -> None:
    """Say that this background process is alive."""
    Heartbeat.objects.update_or_create(name=name, defaults={"ts": time.time()})


def update_drift() -> None:
    """Update the drift of teams whose software changed; a failure waits for the next call."""
    try:
        drift.update_due()
    except Exception:
        log.exception("updating drift failed; the next refresh tries again")


def _claim(runner_id: int, read_at: float | None) -> bool:
    with _lock:
        if runner_id in _in_flight:
            return False
        if read_at is not None and _ended_at.get(runner_id, float("-inf")) > read_at:
            return False
        _in_flight.add(runner_id)
        return True


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(
                max_workers=settings.PAGE_REFRESH_WORKERS, thread_name_prefix="page-refresh"
            )
        return _pool


def _refresh(runner_id: int, force: bool) -> None:
    # Its own copy of the runner: the page that asked goes on rendering the one it loaded.
    try:
        refresh(Runner.objects.select_related("state", "token").get(pk=runner_id), force=force)
    except Exception:
        log.exception("runner %s: the refresh failed", runner_id)
    finally:
        with _lock:
            _in_flight.discard(runner_id)
            _ended_at[runner_id] = time.time()
            drift_due = _drift_due()
        if drift_due:
            try:
                update_drift()
            finally:
                with _lock:
                    _drift_updates.discard(threading.get_ident())
        connection.close()


def _drift_due() -> bool:
    """Once per batch of refreshes a page started (the last to end updates drift), and every
    few seconds while they keep coming; called under the lock."""
    global _drift_at
    now = time.monotonic()
    if _in_flight and now - _drift_at < _DRIFT_EVERY_S:
        return False
    _drift_at = now
    _drift_updates.add(threading.get_ident())
    return True
