"""The dashboard at a glance in a browser: the strip, failing first, the table, one poll."""

import re

import pytest

from tests.browser import HOW_TO_ENABLE

expect = pytest.importorskip("playwright.sync_api", reason=HOW_TO_ENABLE).expect

POLL_WAIT_MS = 15_000  # a 5 s interval, a fetch, and slack for a busy machine


@pytest.fixture
def failing_fleet(fleet, bookmark_of):
    """The fleet with one direct runner answering errors."""
    fleet.set_mode("direct-1", "status:500")
    return bookmark_of("direct-1")


def test_the_strip_counts_failing_runners_and_the_tab_title_says_so(failing_fleet, dashboard):
    expect(dashboard.locator("#strip .strip-failing")).to_have_text(
        "1 failing", timeout=POLL_WAIT_MS
    )
    expect(dashboard).to_have_title(re.compile(r"^\(1 failing\) Runners"))


def test_a_count_in_the_strip_filters_the_runners(failing_fleet, dashboard):
    expect(dashboard.locator("#strip .strip-failing")).to_have_text(
        "1 failing", timeout=POLL_WAIT_MS
    )

    dashboard.locator("#strip .strip-failing a").click()

    expect(dashboard).to_have_url(re.compile(r"status=failing"))
    expect(dashboard.locator("article.card h2")).to_have_text([failing_fleet.name])


def test_a_failing_runner_moves_to_the_front_of_the_grid(failing_fleet, dashboard):
    first = dashboard.locator("article.card").first

    expect(first).to_have_attribute("id", f"card-{failing_fleet.pk}", timeout=POLL_WAIT_MS)
    expect(first.locator(".down")).to_contain_text("never reached")


def test_the_table_view_shows_a_row_per_runner_and_stays_in_the_url(fleet, dashboard):
    dashboard.get_by_role("link", name="Table").click()

    expect(dashboard).to_have_url(re.compile(r"view=table"))
    expect(dashboard.locator("table.fleet-table tbody tr")).to_have_count(len(fleet.runners))
    dashboard.reload()
    expect(dashboard.locator("table.fleet-table tbody tr")).to_have_count(len(fleet.runners))


def test_an_opened_extension_list_stays_open_when_its_card_refreshes(fleet, dashboard, bookmark_of):
    card = dashboard.locator(f"#card-{bookmark_of('direct-2').pk}")
    card.locator("details.packs summary").click()
    expect(card.locator("details.packs")).to_have_attribute("open", "")

    fleet.set_vram_free("direct-2", 0, 0)

    expect(card).to_contain_text("0.0 GiB free", timeout=POLL_WAIT_MS)
    expect(card.locator("details.packs")).to_have_attribute("open", "")


def test_the_page_polls_once_per_tick_whatever_its_number_of_runners(fleet, dashboard):
    polls: list[str] = []
    dashboard.on("request", lambda request: polls.append(request.url))
    tick_s = int(
        re.search(r"every (\d+)s", dashboard.locator("#poller").get_attribute("hx-trigger")).group(
            1
        )
    )

    dashboard.wait_for_timeout((3 * tick_s + 1) * 1000)  # the browser keeps working meanwhile

    page_polls = [url for url in polls if "/poll/" in url]
    assert len(fleet.runners) >= 10
    assert 2 <= len(page_polls) <= 4
    assert len(page_polls) == len(polls)
