"""Uptime, outages and software changes on the runner page; the 24 h uptime on each card."""

import re

import pytest
import time_machine

from runners.models import SnapshotRollup, SoftwareChange, StatusChange
from tests.factories import make_runner, make_snapshot, make_team
from tests.views.test_dashboard import with_state

pytestmark = pytest.mark.django_db

NOW = 1_700_000_220  # 17 minutes into an hour, 2 into a five-minute bucket
HOUR = 3600


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def runner():
    return make_runner(make_team("Studio", slug="studio"), slug="box")


def test_the_runner_page_gives_uptime_over_a_day_a_week_and_a_month(member, runner):
    for ts, ok in ((NOW - 2 * HOUR, 999), (NOW - 48 * HOUR, 0)):
        SnapshotRollup.objects.create(
            runner=runner, span_s=HOUR, ts=ts - ts % HOUR, total=1000, ok=ok
        )

    page = member.get("/runners/studio/box/").content.decode()

    assert "<dt>24 h</dt><dd>99.9 %</dd>" in page
    assert "<dt>7 d</dt><dd>49.9 % " in page


def test_the_runner_page_lists_outages_with_their_length_and_state(member, runner):
    StatusChange.objects.create(runner=runner, ts=NOW - 3 * HOUR, status="ok")
    StatusChange.objects.create(runner=runner, ts=NOW - 2 * HOUR, status="unreachable")
    StatusChange.objects.create(runner=runner, ts=NOW - HOUR, status="ok")
    StatusChange.objects.create(runner=runner, ts=NOW - 600, status="timeout")

    page = member.get("/runners/studio/box/").content.decode()

    assert "<td>still down</td>" in page
    assert f'<time data-ts="{NOW - 600}" data-suffix="">10 min</time>' in page
    assert "<td>1 h</td>" in page
    assert "Unreachable" in page and "Timeout" in page


def test_the_runner_page_lists_software_changes(member, runner):
    SoftwareChange.objects.create(
        runner=runner, ts=NOW - 60, kind="version", item="ComfyUI", before="0.3.64", after="0.3.65"
    )
    SoftwareChange.objects.create(
        runner=runner, ts=NOW - 60, kind="pack", item="<evil-pack>", before="installed"
    )

    page = member.get("/runners/studio/box/").content.decode()

    assert "ComfyUI 0.3.64 → 0.3.65" in page
    assert "Removed extension pack <strong>&lt;evil-pack&gt;</strong>" in page


def test_a_card_shows_its_uptime_over_the_last_24_hours(member, runner):
    with_state(runner)
    SnapshotRollup.objects.create(
        runner=runner, span_s=HOUR, ts=NOW - HOUR - NOW % HOUR, total=4, ok=3
    )
    make_snapshot(runner, NOW - 10)

    page = member.get("/").content.decode()

    assert "<dt>Uptime 24 h</dt><dd>80.0 % " in page


def test_uptime_says_how_much_of_its_window_was_observed(member, runner):
    make_snapshot(runner, NOW - 48)

    page = member.get("/runners/studio/box/").content.decode()

    assert "<dt>7 d</dt><dd>100.0 % " in page
    assert f'<time data-ts="{NOW - 48}" data-suffix=" observed">48 s observed</time>' in page


def test_uptime_with_nothing_recorded_is_a_dash(member, runner):
    page = member.get("/runners/studio/box/").content.decode()

    assert "<dt>30 d</dt><dd>—</dd>" in page


def test_the_card_the_uptime_panel_and_the_chart_give_one_24_hour_figure(member, runner):
    with_state(runner)
    for hours_ago, ok in ((30, 0), (23, 10), (5, 7)):
        ts = NOW - hours_ago * HOUR
        SnapshotRollup.objects.create(
            runner=runner, span_s=HOUR, ts=ts - ts % HOUR, total=12, ok=ok
        )
        for five in range(12):  # the hour's five-minute rollups, as the hourly job left them
            SnapshotRollup.objects.create(
                runner=runner, span_s=300, ts=ts - ts % HOUR + 300 * five, total=1, ok=five < ok
            )
    make_snapshot(runner, NOW - 100, status="timeout")
    make_snapshot(runner, NOW - 40)

    page = member.get("/runners/studio/box/").content.decode()

    expected = "69.2 %"  # (10 + 7 + 1) / (12 + 12 + 2), rounded down
    assert f"<dt>Uptime 24 h</dt><dd>{expected}" in page
    assert f"<dt>24 h</dt><dd>{expected}" in page
    availability = re.search(r'<th scope="row">Availability</th>(.*?)</tr>', page)[1]
    assert re.findall(r"<td>([^<]*)</td>", availability)[1] == expected
