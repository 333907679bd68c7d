"""The runner page's chart in a browser: the status band, the crosshair (pointer and keys),
and the phone layout."""

import re

import pytest

from tests.browser import HOW_TO_ENABLE

expect = pytest.importorskip("playwright.sync_api", reason=HOW_TO_ENABLE).expect

SIMULATED = "direct-2"
PAGE = "/runners/studio/comfy-gpu-01-rtx-4090/?range=1h"


@pytest.fixture
def an_hour_with_an_outage(a_fetch_a_minute):
    """A fetch a minute for the last 40 minutes; the runner answered 500 in minutes 10 to 14.
    Not due again while a test runs: a fetch would add a bucket under the crosshair."""
    a_fetch_a_minute(SIMULATED, 40, down=range(10, 15), interval_s=3600)


def test_the_status_band_is_red_where_the_runner_was_down_and_shades_every_panel(
    an_hour_with_an_outage, member, page, log_in
):
    log_in(page, member).goto(PAGE)

    down = page.locator("#charts svg.trend .band rect.down")
    expect(down).to_have_count(1)
    expect(page.locator("#charts svg.trend .band rect.ok")).to_have_count(2)
    shade = page.locator("#charts svg.trend .shade rect.down").bounding_box()
    latency_panel = page.locator("#charts svg.trend rect.frame").last.bounding_box()
    assert shade["y"] < latency_panel["y"]
    assert shade["y"] + shade["height"] >= latency_panel["y"] + latency_panel["height"] - 1


def test_pointing_at_the_chart_reads_the_time_and_every_series_there(
    an_hour_with_an_outage, member, page, log_in
):
    log_in(page, member).goto(PAGE)
    page.locator("#charts svg.trend").scroll_into_view_if_needed()
    chart = page.locator("#charts svg.trend").bounding_box()

    page.mouse.move(chart["x"] + chart["width"] * 0.9, chart["y"] + chart["height"] / 2)

    readout = page.locator("#charts .trend-readout")
    expect(readout.locator("strong")).to_have_text(re.compile(r"^\w{3} \d+ \d\d:\d\d:\d\d$"))
    expect(readout).to_contain_text("Up 100.0 %")
    for series in ("GPU 0", "RAM", "Latency"):
        expect(readout).to_contain_text(series)
    expect(page.locator("#charts svg.trend .crosshair")).to_have_attribute("visibility", "visible")


def test_the_arrow_keys_move_the_crosshair_from_bucket_to_bucket(
    an_hour_with_an_outage, member, page, log_in
):
    log_in(page, member).goto(PAGE)
    wrap = page.locator("#charts .trend-wrap")
    readout = page.locator("#charts .trend-readout strong")

    wrap.focus()
    page.keyboard.press("End")
    newest = readout.text_content()
    page.keyboard.press("ArrowLeft")

    expect(readout).not_to_have_text(newest)
    page.keyboard.press("ArrowRight")
    expect(readout).to_have_text(newest)
    page.keyboard.press("Home")
    page.keyboard.press("PageDown")  # ten fetches later: the first minute of the outage
    expect(page.locator("#charts .trend-readout")).to_contain_text("Up 0.0 %")
    expect(page.locator("#charts .trend-readout")).to_contain_text("RAM down")


def test_on_a_phone_the_chart_fits_shows_the_newest_data_and_keeps_text_readable(
    an_hour_with_an_outage, member, new_page, log_in
):
    page = log_in(new_page(viewport={"width": 390, "height": 844}), member)
    page.goto(PAGE)

    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    chart = page.locator("#charts svg.trend").bounding_box()
    assert chart["x"] >= 0 and chart["x"] + chart["width"] <= 390
    newest = page.locator("#charts svg.trend .hover path").last.bounding_box()
    assert 0 <= newest["x"] <= 390
    smallest = page.evaluate(
        """() => {
          const svg = document.querySelector('#charts svg.trend');
          const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
          return Math.min(...[...svg.querySelectorAll('text')]
            .filter(t => t.getBoundingClientRect().width > 0)
            .map(t => parseFloat(getComputedStyle(t).fontSize) * scale));
        }"""
    )
    assert smallest >= 11
