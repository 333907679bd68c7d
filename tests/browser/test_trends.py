import re

import pytest

from tests.browser import HOW_TO_ENABLE

expect = pytest.importorskip("playwright.sync_api", reason=HOW_TO_ENABLE).expect

SIMULATED = "direct-2"
PAGE = "/runners/studio/comfy-gpu-01-rtx-4090/"


@pytest.fixture
def half_an_hour_with_an_outage(a_fetch_a_minute):
    """A fetch a minute for the last 30 minutes; the runner answered 500 in minutes 10 to 14."""
    a_fetch_a_minute(SIMULATED, 30, down=range(10, 15))


def test_an_outage_is_a_gap_in_the_chart_and_an_entry_in_the_status_history(
    half_an_hour_with_an_outage, member, page, log_in
):
    log_in(page, member).goto(f"{PAGE}?range=1h")

    ram_line = page.locator("#charts svg.trend g.lines path").first
    assert ram_line.get_attribute("d").count("M") == 2  # two runs of points, the gap between
    outage = page.locator("ol.history li").filter(has_text="Upstream error")
    expect(outage).to_have_count(1)
    expect(outage).to_contain_text("for 5 min")


def test_switching_ranges_redraws_the_chart_without_reloading_the_page(
    half_an_hour_with_an_outage, member, page, log_in
):
    log_in(page, member).goto(PAGE)
    page.evaluate("window.sameDocument = true")

    page.get_by_role("navigation", name="Chart range").get_by_role("link", name="1 h").click()

    expect(page).to_have_url(re.compile(r"\?range=1h$"))
    expect(page.locator("#charts caption")).to_contain_text("Last hour")
    assert page.evaluate("window.sameDocument") is True
