"""The parts of a benchmark run that use Django in the benchmark's own process.

Seeding the fresh database, mapping bookmarks to simulated runners, counting snapshots, and
timing views with the test client (no HTTP, no load: the view's own cost and its query count).
Import only after common.setup_django().
"""

from __future__ import annotations

import html
import re
import threading
import time
from collections import Counter
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bench.common import HOST, Bookmark, percentiles
from devtools.seeding import seed_fleet
from runners import polling
from runners.models import Membership, Runner, RunnerState, Snapshot, Team

PASSWORD = "bench-viewer-password"  # a throwaway account in a temporary database
TEAM_SLUG = "bench"


def prepare(fleet: dict[str, Any], viewers: int, poll_interval: int) -> list[Bookmark]:
    """Collect static files, migrate, seed a team, `viewers` members and the fleet's bookmarks."""
    call_command("collectstatic", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)
    team = Team.objects.create(name="Bench team", slug=TEAM_SLUG)
    _add_members(team, viewers)
    seeded = seed_fleet(team, fleet, poll_interval=poll_interval)
    bookmarks = bookmarks_of(team, fleet)
    if len(bookmarks) != seeded:
        raise RuntimeError(f"{seeded} simulated runners but {len(bookmarks)} bookmarks")
    return bookmarks


def _add_members(team: Team, count: int) -> None:
    # One hash for all: each PBKDF2 hash costs ~0.5 s of CPU, which the run does not need.
    password = make_password(PASSWORD)
    users = User.objects.bulk_create(
        User(username=username(i), password=password) for i in range(max(count, 1))
    )
    Membership.objects.bulk_create(
        Membership(user=user, team=team, role=Membership.Role.MEMBER) for user in users
    )


def username(index: int) -> str:
    return f"viewer{index}"


def bookmarks_of(team: Team, fleet: dict[str, Any]) -> list[Bookmark]:
    entries = {entry["id"]: entry for entry in fleet["runners"]}
    bookmarks = []
    for runner in Runner.objects.filter(team=team).order_by("pk"):
        sim_id = runner.comfycontrol_id or runner.base_url.rstrip("/").rpartition("/")[2]
        entry = entries[sim_id]
        interval = polling.effective_interval(runner)
        bookmarks.append(Bookmark(runner.pk, sim_id, entry["kind"], entry["legacy"], interval))
    return bookmarks


def snapshots_per_runner(since_ts: float | None = None, until_ts: float | None = None) -> Counter:
    rows = Snapshot.objects.all()
    if since_ts is not None:
        rows = rows.filter(ts__gte=int(since_ts))
    if until_ts is not None:
        rows = rows.filter(ts__lt=int(until_ts))
    return Counter(rows.values_list("runner_id", flat=True))


def snapshot_times(since_ts: float, until_ts: float) -> dict[int, list[int]]:
    times: dict[int, list[int]] = {}
    rows = Snapshot.objects.filter(ts__gte=int(since_ts), ts__lt=int(until_ts)).order_by("ts")
    for runner_id, ts in rows.values_list("runner_id", "ts"):
        times.setdefault(runner_id, []).append(ts)
    return times


class FetchLog:
    """When each fetch began, read from the state rows every `every_s` seconds: cards show
    fetch times in whole seconds, too coarse beside a poll tick of a few seconds."""

    def __init__(self, every_s: float = 0.2) -> None:
        self.every_s = every_s
        self.starts: dict[int, list[float]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)

    def _run(self) -> None:
        seen: dict[int, Any] = {}
        try:
            while not self._stop.wait(self.every_s):
                for pk, fetched in RunnerState.objects.values_list("pk", "fetched_at"):
                    if fetched is not None and seen.get(pk) != fetched:
                        seen[pk] = fetched
                        self.starts.setdefault(pk, []).append(fetched.timestamp())
        finally:
            connection.close()


# --- views in-process ---------------------------------------------------------------------------


def view_costs(sizes: tuple[int, ...] = (10, 50), repeats: int = 20) -> dict[str, Any]:
    """Queries and unloaded server time of the dashboard (at several sizes) and of its poll."""
    team = Team.objects.get(slug=TEAM_SLUG)
    client = _client_for(User.objects.get(username=username(0)))
    full = Runner.objects.filter(team=team).count()
    _nothing_due()
    result: dict[str, Any] = {"dashboard": {}}
    result["dashboard"][full] = _measure(client, "/", repeats)
    for size in sizes:
        if size < full:
            sized = _copy_of_team(team, size)
            result["dashboard"][size] = _measure(_client_for(sized), "/", repeats)
    result["stretched_cards"] = client.get("/").content.count(b"(stretched)")
    result.update(_poll_costs(client, repeats))
    return result


def _client_for(user: User) -> Client:
    client = Client(SERVER_NAME=HOST)
    client.force_login(user)
    return client


def _measure(client: Client, url: str, repeats: int, **headers: str) -> dict[str, Any]:
    """Queries and time with every card's markup rendered already, and with none ("cold").

    Cold is the worst case: right after a deploy, or when every card changed since it was last
    rendered. Warm is the usual case: a fetch's markup is rendered by the first poll after it.
    """
    cold_queries, response = _queries(client, url, headers, clear_cards=True)
    warm_queries, _ = _queries(client, url, headers, clear_cards=False)
    return {
        "status": response.status_code,
        "queries": cold_queries,
        "queries_warm": warm_queries,
        "bytes": len(response.content),
        "ms": _timings(client, url, headers, repeats, clear_cards=False),
        "ms_cold": _timings(client, url, headers, repeats, clear_cards=True),
    }


def _queries(client: Client, url: str, headers: dict[str, str], clear_cards: bool) -> tuple:
    client.get(url, **headers)  # fills the other per-process caches, as a running server has
    if clear_cards:
        caches["cards"].clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **headers)
    return len(queries), response


def _timings(
    client: Client, url: str, headers: dict[str, str], repeats: int, clear_cards: bool
) -> dict[str, Any]:
    timings = []
    for _ in range(repeats):
        if clear_cards:
            caches["cards"].clear()
        started = time.perf_counter()
        client.get(url, **headers)
        timings.append((time.perf_counter() - started) * 1000)
    return percentiles(timings)


def _poll_costs(client: Client, repeats: int) -> dict[str, Any]:
    """The dashboard's poll with nothing due: 204 for a current cursor, the changed card (and
    strip and poller) for a cursor one card behind, the whole grid for a cursor of another list."""
    _nothing_due()
    cursor = parse_qs(urlsplit(_poll_url(client)).query)["cursor"][0]
    head, first, *rest = cursor.split(".")
    one_behind = ".".join([head, f"{first.partition('-')[0]}-old", *rest])
    other_list = ".".join([head, *rest])
    return {
        "poll_204": _measure(client, _poll(cursor), repeats, HTTP_HX_REQUEST="true"),
        "poll_200_changes": _measure(client, _poll(one_behind), repeats, HTTP_HX_REQUEST="true"),
        "poll_200_grid": _measure(client, _poll(other_list), repeats, HTTP_HX_REQUEST="true"),
    }


def _poll_url(client: Client) -> str:
    page = client.get("/").content.decode()
    found = re.search(r'id="poller"[^>]*hx-get="([^"]+)"', page)
    if found is None:
        raise RuntimeError("the dashboard has no poller")
    return html.unescape(found[1])


def _poll(cursor: str) -> str:
    return f"{reverse('dashboard-poll')}?{urlencode({'cursor': cursor})}"


def _nothing_due() -> None:
    """Mark every runner just fetched, so that no measured request hands a fetch to the pool
    (its threads would compete with the measurement); it still checks each runner."""
    RunnerState.objects.update(fetched_at=timezone.now(), lease_until=None)


def _copy_of_team(team: Team, size: int) -> User:
    """A team with the first `size` runners of `team` and their current state; its one member."""
    copy = Team.objects.create(name=f"Bench {size}", slug=f"bench-{size}")
    for runner in Runner.objects.filter(team=team).select_related("state").order_by("pk")[:size]:
        state = getattr(runner, "state", None)
        runner.pk, runner.team = None, copy
        runner.save(force_insert=True)
        if state is not None:
            state.runner = runner
            state.save(force_insert=True)
    user = User.objects.create(username=f"size{size}")
    Membership.objects.create(user=user, team=copy, role=Membership.Role.MEMBER)
    return user


def close() -> None:
    connections.close_all()
