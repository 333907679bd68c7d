"""Browser tests: Debian's chromium driven by Playwright against pytest-django's live_server.

Every page a test opens fails the test on a CSP violation or an uncaught JS error.
"""

from __future__ import annotations

import importlib.util
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
import time_machine
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.utils import timezone

from devtools.seeding import seed_fleet
from runners import polling
from runners.models import Runner, Team
from runners.polling import background
from tests.browser import CHROMIUM, HOW_TO_ENABLE, LAUNCH_ARGS
from tests.factories import make_member, make_team

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ConsoleMessage, Page

CSP_MARKERS = ("Refused to", "Content Security Policy")
TIMEOUT_MS = 10_000  # for actions and expect(); waits for a poll pass their own
POLL_WAIT_MS = 15_000  # a 5 s interval, a fetch, and slack for a busy machine


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """One chromium for all browser tests.

    Package-scoped, not session-scoped: while Playwright's sync API runs, its event loop counts as
    running in the main thread, so the ORM refuses synchronous calls (SynchronousOnlyOperation)
    unless DJANGO_ALLOW_ASYNC_UNSAFE is set. Both end with this package, before other tests run.
    """
    if importlib.util.find_spec("playwright") is None or not CHROMIUM.exists():
        pytest.skip(HOW_TO_ENABLE)
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
            yield chromium
            chromium.close()


@pytest.fixture
def new_page(browser: Browser, live_server) -> Iterator[Callable[..., Page]]:
    """Open pages in fresh browser contexts (own cookies); fail on CSP violations and JS errors."""
    contexts = []
    problems: list[str] = []

    def open_page(**context_options) -> Page:
        context = browser.new_context(base_url=live_server.url, **context_options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda message: problems.extend(_csp_violation(message)))
        page.on("pageerror", lambda error: problems.append(f"JS error on {page.url}: {error}"))
        return page

    yield open_page
    for context in contexts:
        context.close()
    _wait_for_requests_in_flight(live_server.thread.httpd)
    background.settle(timeout_s=15)
    assert not problems, "\n".join(problems)


@pytest.fixture(autouse=True)
def _pages_refresh_what_they_show(settings):
    # The live server's threads and the refresh pool share the committed database.
    settings.PAGE_REFRESH_WORKERS = 4


def _wait_for_requests_in_flight(server: object, timeout_s: float = 10.0) -> None:
    # The live server answers on a thread per connection, and the database is flushed right
    # after this fixture: a poll still writing would deadlock PostgreSQL's TRUNCATE. Only the
    # live server's threads count: the simulator's serve kept-alive connections until closed.
    give_up_at = time.monotonic() + timeout_s
    while time.monotonic() < give_up_at and any(
        getattr(getattr(thread, "_target", None), "__self__", None) is server
        for thread in threading.enumerate()
    ):
        time.sleep(0.05)


def _csp_violation(message: ConsoleMessage) -> list[str]:
    if any(marker in message.text for marker in CSP_MARKERS):
        return [f"CSP violation: {message.text}"]
    return []


@pytest.fixture
def page(new_page: Callable[..., Page]) -> Page:
    return new_page()


@pytest.fixture
def log_in(client, live_server) -> Callable[[Page, User], Page]:
    """Log a page's context in as the user through a session cookie (the form has its own test)."""

    def log_in_as(page: Page, user: User) -> Page:
        client.force_login(user)
        cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
        page.context.add_cookies(
            [{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
        )
        return page

    return log_in_as


@pytest.fixture
def team() -> Team:
    return make_team("Studio", slug="studio")


@pytest.fixture
def member(team: Team) -> User:
    return make_member(team, username="mia")


@pytest.fixture
def fleet(comfycontrol, team: Team):
    """The simulator's fleet, bookmarked in the team at the shortest poll interval."""
    seed_fleet(team, comfycontrol.fleet.describe(comfycontrol.base_url), poll_interval=5)
    return comfycontrol.fleet


@pytest.fixture
def bookmark_of(fleet) -> Callable[[str], Runner]:
    """The runner bookmarked for a simulated runner's id."""

    def find(simulated_id: str) -> Runner:
        runner = Runner.objects.filter(comfycontrol_id=simulated_id).first()
        return runner or Runner.objects.get(base_url__endswith=f"/comfyui/{simulated_id}")

    return find


@pytest.fixture
def dashboard(fleet, member: User, page: Page, log_in) -> Page:
    """A member's dashboard once every runner was fetched (pages refresh what they show)."""
    from playwright.sync_api import expect

    log_in(page, member).goto("/")
    expect(page.locator('article.card[data-status="pending"]')).to_have_count(
        0, timeout=POLL_WAIT_MS
    )
    return page


@pytest.fixture
def a_fetch_a_minute(fleet, bookmark_of) -> Callable[..., Runner]:
    """Fetches a minute apart over the last `minutes`, the simulated runner answering 500 in
    the minutes `down`; returns its bookmark, polled every `interval_s` from then on."""

    def record(simulated_id: str, minutes: int, down: range, interval_s: int = 60) -> Runner:
        runner = bookmark_of(simulated_id)
        Runner.objects.filter(pk=runner.pk).update(poll_interval=60)
        start = timezone.now() - timedelta(minutes=minutes)
        for minute in range(minutes):
            fleet.set_mode(simulated_id, "status:500" if minute in down else "ok")
            with time_machine.travel(start + timedelta(minutes=minute), tick=False):
                polling.refresh(Runner.objects.select_related("state", "token").get(pk=runner.pk))
        fleet.set_mode(simulated_id, "ok")
        Runner.objects.filter(pk=runner.pk).update(poll_interval=interval_s)
        return runner

    return record
