"""The collector: polls every due runner in passes, so history builds up when no one watches,
updates the drift of teams whose software changed, and delivers alerts
(runners/alerts/delivery.py) after each pass. A pass waits for its fetches one tick at most:
those still in flight are counted by a later pass, and no runner waits for a slow one.

Several collectors may run at once: each calls `polling.attempt`, whose lease (a conditional
UPDATE on the runner's state row) lets exactly one process fetch a due runner, on SQLite and
PostgreSQL alike (docs/deploy.md explains why that, and not SELECT … SKIP LOCKED).
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass

from django.db import DatabaseError, connection, connections
from django.db.models import F
from django.utils import timezone

from runners import polling
from runners.alerts import delivery
from runners.history import retention
from runners.models import Runner
from runners.polling import background
from runners.status import Status

log = logging.getLogger(__name__)

PRUNE_EVERY_S = 3600


@dataclass(frozen=True)
class PassResult:
    due: int  # started in this pass
    # From `ok` to `skipped`: fetches that ended during this pass, whichever pass started them.
    ok: int
    failing: int
    elsewhere: int  # fetched, or being fetched, by another process
    held_back: int  # left for a later pass by ComfyControl's shared budget
    skipped: int  # not started because the collector is stopping
    fetching: int  # still in flight when the pass ended: a slow runner holds up no other
    seconds: float

    def __str__(self) -> str:
        return (
            f"collect pass: {self.due} due, {self.ok} ok, {self.failing} failing, "
            f"{self.elsewhere} polled elsewhere, {self.held_back} held back by the rate budget, "
            f"{self.skipped} skipped, {self.fetching} still fetching in {self.seconds:.2f} s"
        )


def due_runners() -> list[Runner]:
    """Unpaused runners that are due for a fetch, the longest-waiting first."""
    runners = (
        polling.maybe_due(Runner.objects.all(), timezone.now())
        .select_related("state", "token")
        # Read again by the fetch that needs them; 5,000 stats a pass would cost a core.
        .defer("state__stats", "state__raw", "state__error_detail")
        .order_by(F("state__fetched_at").asc(nulls_first=True), "pk")
    )
    return [runner for runner in runners if polling.is_due(runner)]


def run_pass(
    pool: ThreadPoolExecutor,
    stop: threading.Event,
    in_flight: dict[int, Future[str]] | None = None,
    wait_s: float | None = None,
) -> PassResult:
    """Start refreshing every due runner that `in_flight` does not hold, on the pool's threads;
    wait up to `wait_s` (None: until every fetch ends), and return what happened.

    Fetches still running stay in `in_flight` for the next pass to count: a runner that hangs
    until its deadline must not keep the others waiting for their next fetch.
    """
    started = time.monotonic()
    in_flight = {} if in_flight is None else in_flight
    background.beat()
    runners = [runner for runner in due_runners() if runner.pk not in in_flight]
    for runner in runners:
        in_flight[runner.pk] = pool.submit(_refresh, runner, stop)
    done, _ = wait(in_flight.values(), timeout=wait_s)
    outcomes = [future.result() for future in done]
    for runner_id in [pk for pk, future in in_flight.items() if future in done]:
        del in_flight[runner_id]
    background.update_drift()
    return PassResult(
        due=len(runners),
        ok=outcomes.count("ok"),
        failing=outcomes.count("failing"),
        elsewhere=outcomes.count("elsewhere"),
        held_back=outcomes.count("held back"),
        skipped=outcomes.count("skipped"),
        fetching=len(in_flight),
        seconds=time.monotonic() - started,
    )


def run(workers: int, stop: threading.Event, *, tick_s: float = 1.0, once: bool = False) -> None:
    """Run passes `tick_s` apart until `stop` is set (or one pass); prune every hour."""
    pruning: threading.Thread | None = None
    alerting: threading.Thread | None = None
    pruned_at = float("-inf")
    in_flight: dict[int, Future[str]] = {}
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="collect") as pool:
        while not stop.is_set():
            result = run_pass(pool, stop, in_flight, None if once else tick_s)
            log.log(logging.INFO if result.due or result.fetching else logging.DEBUG, "%s", result)
            if alerting is None or not alerting.is_alive():
                # Its own thread: a receiver that hangs until its deadline must not delay polls.
                alerting = threading.Thread(target=_deliver_alerts, name="alerts")
                alerting.start()
            if once:
                break
            idle = pruning is None or not pruning.is_alive()
            if idle and time.monotonic() - pruned_at >= PRUNE_EVERY_S:
                # Its own thread: deleting an hour's rows must not hold up the next pass.
                pruning = threading.Thread(target=_prune, args=(stop,), name="prune")
                pruning.start()
                pruned_at = time.monotonic()
            stop.wait(max(0.0, tick_s - result.seconds))
        wait(in_flight.values())
        close_connections(pool, workers)
    for thread in (pruning, alerting):
        if thread is not None:
            thread.join()
    log.info("collector stopped")


def close_connections(pool: ThreadPoolExecutor, workers: int) -> None:
    """Close every worker thread's database connection: one task each, held by a barrier."""
    barrier = threading.Barrier(workers)

    def close(_: int) -> None:
        barrier.wait()
        connections.close_all()

    list(pool.map(close, range(workers)))


def _refresh(runner: Runner, stop: threading.Event) -> str:
    """Refresh one runner; "elsewhere" when another process held its lease or had fetched it.

    Worker threads keep their database connection from one runner to the next.
    """
    if stop.is_set():
        return "skipped"
    try:
        outcome = polling.attempt(runner)
    except DatabaseError:
        log.exception("runner %s: the database failed", runner.pk)
        connection.close()  # the next runner on this thread connects afresh
        return "failing"
    except Exception:
        # One runner's failure must not end the pass for every other runner.
        log.exception("runner %s %r: refreshing it failed", runner.pk, runner.name)
        connection.close()
        return "failing"
    if outcome.held_back:
        return "held back"
    if not outcome.fetched:
        return "elsewhere"
    return "ok" if outcome.state.status == Status.OK else "failing"


def _deliver_alerts() -> None:
    try:
        delivery.collector_step()
    except Exception:
        log.exception("delivering alerts failed; the next pass tries again")
    finally:
        connection.close()


def _prune(stop: threading.Event) -> None:
    started = time.monotonic()
    try:
        deleted = retention.prune(int(timezone.now().timestamp()), stop)
    finally:
        connection.close()
    counts = ", ".join(f"{name} {count}" for name, count in deleted.items())
    log.info("prune: deleted %s in %.1f s", counts, time.monotonic() - started)
