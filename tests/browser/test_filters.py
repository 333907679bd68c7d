import re

import pytest
from django.utils import timezone

from runners.models import RunnerState
from tests.browser import HOW_TO_ENABLE
from tests.factories import make_runner

expect = pytest.importorskip("playwright.sync_api", reason=HOW_TO_ENABLE).expect

GIB = 1024**3


def runner_with_state(team, name: str, tags: str, vram_free: int, status: str = "ok") -> None:
    # A long interval keeps the cards from polling the (absent) runners during the test.
    runner = make_runner(team, name=name, tags=tags, poll_interval=3600)
    now = timezone.now()
    RunnerState.objects.create(
        runner=runner,
        status=status,
        error_sentence="" if status == "ok" else "The runner did not answer in time.",
        fetched_at=now,
        succeeded_at=now,
        vram_free_max=vram_free,
    )


@pytest.fixture
def dashboard(team, member, page, log_in):
    runner_with_state(team, "alpha", "prod", 60 * GIB)
    runner_with_state(team, "beta", "dev", 8 * GIB)
    runner_with_state(team, "gamma", "dev", 20 * GIB, status="timeout")
    log_in(page, member).goto("/")
    expect(page.locator("article.card")).to_have_count(3)
    page.evaluate("window.sameDocument = true")  # gone if the page reloads
    return page


def search(page):
    page.get_by_label("Search").fill("alp")


def pick_failing(page):
    page.get_by_label("Status").select_option(label="Failing")


def ask_for_20_gib(page):
    page.get_by_label("Free VRAM at least (GiB)").fill("20")
    page.get_by_label("Free VRAM at least (GiB)").press("Enter")


def sort_by_free_vram(page):
    page.get_by_label("Sort").select_option(label="Most free VRAM")


@pytest.mark.parametrize(
    ("control", "query", "names"),
    [
        (search, "q=alp", ["alpha"]),
        (pick_failing, "status=failing", ["gamma"]),
        (ask_for_20_gib, "min_vram=20", ["gamma", "alpha"]),  # failing first
        (sort_by_free_vram, "sort=vram", ["alpha", "gamma", "beta"]),
    ],
    ids=["search", "status", "min-free-vram", "sort"],
)
def test_a_filter_changes_the_grid_in_place_and_the_url_keeps_it(dashboard, control, query, names):
    cards = dashboard.locator("article.card h2")

    control(dashboard)

    expect(cards).to_have_text(names)
    expect(dashboard).to_have_url(re.compile(rf"/\?(.*&)?{query}(&|$)"))
    assert dashboard.evaluate("window.sameDocument") is True
    dashboard.reload()
    expect(cards).to_have_text(names)
