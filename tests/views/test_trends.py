"""Trend charts on the runner page and the share page, switched between ranges with htmx."""

import re

import pytest
import time_machine

from runners import sharing
from runners.charts import format_value
from runners.history.trends import RANGES
from runners.stats import RunnerStats
from tests.factories import make_member, make_runner, make_snapshot, make_team
from tests.views.test_dashboard import with_state

pytestmark = pytest.mark.django_db

GIB = 1024**3
NOW = 1_700_000_100
HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def runner():
    team = make_team("Studio", slug="studio")
    runner = make_runner(team, slug="box", poll_interval=10)
    for i in range(30):
        down = 10 <= i < 15
        make_snapshot(
            runner,
            NOW - 300 + 10 * i,
            status="timeout" if down else "ok",
            ram_used=None if down else (8 + i % 3) * GIB,
            latency_ms=None if down else 40 + i,
            vram_used=() if down else (20 * GIB, 30 * GIB),
        )
    return runner


@pytest.mark.parametrize("key", RANGES)
def test_an_htmx_range_switch_renders_only_the_chart_section(member, key):
    page = member.get(f"/runners/studio/box/?range={key}", headers=HTMX).content.decode()

    assert page.startswith('<section class="panel" id="charts"')
    assert "<html" not in page
    assert re.search(r'<svg class="trend"[^>]* role="img" aria-label="[^"]+"', page)
    assert f'aria-current="true">{RANGES[key].short}</a>' in page


def test_range_links_switch_with_htmx_and_put_the_range_in_the_url(member):
    page = member.get("/runners/studio/box/").content.decode()

    assert (
        '<a href="/runners/studio/box/?range=7d" hx-get="/runners/studio/box/?range=7d" '
        'hx-target="#charts" hx-swap="outerHTML" hx-push-url="true">7 d</a>'
    ) in page


def test_the_page_opens_on_the_range_in_its_url(member):
    page = member.get("/runners/studio/box/?range=30d").content.decode()

    assert 'aria-current="true">30 d</a>' in page
    assert "over the last 30 days" in page


def test_an_unknown_range_shows_the_last_24_hours(member):
    page = member.get("/runners/studio/box/?range=1y", headers=HTMX).content.decode()

    assert 'aria-current="true">24 h</a>' in page


def test_the_chart_draws_a_status_band_then_vram_ram_and_latency_each_in_its_own_panel(member):
    page = member.get("/runners/studio/box/?range=1h", headers=HTMX).content.decode()

    for legend in (">RAM</text>", ">GPU 0</text>", ">GPU 1</text>", ">Latency</text>"):
        assert legend in page
    titles = re.findall(r'<text class="title"[^>]*>([^<]*)</text>', page)
    assert titles == ["Status", "VRAM used (GiB)", "RAM used (GiB)", "Fetch latency (ms)"]


def test_the_summary_table_gives_min_average_max_and_last_per_series(member):
    page = member.get("/runners/studio/box/?range=1h", headers=HTMX).content.decode()

    row = re.search(r'<th scope="row">Availability</th>(.*?)</tr>', page)[1]
    assert re.findall(r"<td>([^<]*)</td>", row) == ["0.0 %", "83.3 %", "100.0 %", "100.0 %"]
    assert '<th scope="row">GPU 1</th><td>30.0 GiB</td>' in page


def test_a_range_with_no_history_says_so(member, runner):
    with time_machine.travel(NOW + 3 * 86400, tick=False):
        page = member.get("/runners/studio/box/?range=1h", headers=HTMX).content.decode()

    assert "Nothing was recorded in the last hour." in page


def test_the_share_page_shows_the_same_charts(client, runner):
    _, token = sharing.create_link(runner, make_member(runner.team), "", None)

    page = client.get(f"/s/{token}/?range=7d").content.decode()
    partial = client.get(f"/s/{token}/?range=7d", headers=HTMX).content.decode()

    assert '<svg class="trend"' in page
    assert partial.startswith('<section class="panel" id="charts"')
    assert f'hx-get="/s/{token}/?range=1h"' in partial


def test_another_teams_runner_has_no_charts(client, runner):
    client.force_login(make_member(make_team()))

    assert client.get("/runners/studio/box/?range=7d", headers=HTMX).status_code == 404


def test_a_range_switch_gives_the_page_a_poller_that_keeps_the_new_range(member):
    page = member.get("/runners/studio/box/?range=7d", headers=HTMX).content.decode()

    poller = re.search(r'<div id="poller" hx-swap-oob="true"[^>]*hx-get="([^"]+)"', page)[1]
    assert poller.startswith("/runners/studio/box/poll/?") and "range=7d" in poller


def test_a_poll_keeps_range_links_pointing_at_the_page(member):
    page = member.get("/runners/studio/box/poll/?cursor=old&range=7d").content.decode()

    assert 'hx-get="/runners/studio/box/?range=24h"' in page
    assert "/poll/?range=" not in page


def test_the_table_s_last_value_is_what_the_runner_reported_last(member, runner):
    stats = RunnerStats.from_dict(with_state(runner).state.stats)

    page = member.get("/runners/studio/box/?range=1h", headers=HTMX).content.decode()

    row = re.search(r'<th scope="row">RAM</th>(.*?)</tr>', page)[1]
    assert re.findall(r"<td>([^<]*)</td>", row)[-1] == format_value(stats.ram_used / GIB, "GiB")


def test_a_runner_recorded_for_minutes_is_drawn_from_its_first_record(member):
    runner = make_runner(make_team("Fresh", slug="fresh"), slug="new", poll_interval=10)
    for i in range(12):
        make_snapshot(runner, NOW - 120 + 10 * i, ram_used=4 * GIB, latency_ms=30)
    fresh = make_member(runner.team)
    member.force_login(fresh)

    page = member.get("/runners/fresh/new/?range=24h", headers=HTMX).content.decode()

    assert "Recording since" in page
    columns = [int(x) for x in re.findall(r'<path d="M(\d+) \d+V\d+"><title>', page)]
    assert len(columns) == 6  # 20 s buckets, as the hour's range has: not one 10-minute speck
    assert columns[0] < 100
