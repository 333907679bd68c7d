"""Trend charts as SVG: gaps, hover readouts, axes, and nothing CSP forbids."""

import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest

from runners import charts
from runners.charts import ticks

FRAME = charts.Frame(start_ts=0, end_ts=100, bucket_s=10)


@dataclass(frozen=True)
class Line:
    label: str
    points: list


def chart(*lines, unit="GiB", max_gap_s=25):
    panel = charts.Panel("Memory used", unit, [Line(label, points) for label, points in lines])
    return str(charts.trend_chart([panel], FRAME, max_gap_s, "Memory over the last hour"))


def line_path(svg):
    return re.search(r'<g class="lines"[^>]*><path class="c0" d="([^"]*)"', svg)[1]


def test_a_line_breaks_where_the_runner_was_down():
    svg = chart(("RAM", [(0, 1.0), (10, 2.0), (20, None), (30, 3.0), (40, 4.0)]))

    assert line_path(svg).count("M") == 2


def test_points_further_apart_than_the_gap_are_not_joined():
    svg = chart(("RAM", [(0, 1.0), (10, 2.0), (50, 3.0), (60, 3.0)]), max_gap_s=25)

    assert line_path(svg).count("M") == 2


def test_a_lone_point_is_drawn_as_a_dot():
    assert line_path(chart(("RAM", [(30, 1.0)]))).endswith("h0")


def test_each_bucket_has_a_hover_readout_of_every_line_at_that_time():
    svg = chart(("RAM", [(0, 1.26), (10, None)]), ("GPU 0", [(0, 40.0)]))

    titles = re.findall(r"<title>([^<]*)</title>", svg)
    assert titles == ["Jan 1 00:00:00\nRAM 1.3 GiB\nGPU 0 40.0 GiB", "Jan 1 00:00:10\nRAM down"]


def test_the_chart_is_an_image_with_a_label_an_axis_unit_and_a_legend():
    svg = chart(("RAM", [(0, 1.0)]))

    assert 'role="img" aria-label="Memory over the last hour"' in svg
    assert "Memory used (GiB)" in svg
    assert '<g class="legend">' in svg and ">RAM</text>" in svg


def test_the_chart_has_no_inline_style_or_script():
    svg = chart(("RAM", [(0, 1.0), (10, 2.0)]))

    assert "style" not in svg.lower()
    assert "<script" not in svg.lower()


def test_labels_are_escaped():
    svg = chart(("<b>RAM</b>", [(0, 1.0)]))

    assert "<b>" not in svg
    assert "&lt;b&gt;RAM&lt;/b&gt;" in svg


@pytest.mark.parametrize(
    ("highest", "expected"),
    [(80, [0, 20, 40, 60, 80]), (83, [0, 25, 50, 75, 100]), (45, [0, 20, 40, 60]), (0, [0, 1])],
)
def test_value_ticks_are_round_steps_from_zero_up_to_the_highest_value(highest, expected):
    assert ticks.value_ticks(highest) == expected


def test_day_ticks_fall_on_local_midnight():
    berlin = ZoneInfo("Europe/Berlin")
    start = 1_700_000_000  # Nov 14 2023, 23:13 in Berlin

    marks = ticks.time_ticks(start, start + 7 * 86400, berlin)

    assert marks[0] == (1_700_002_800, "Nov 15")  # midnight in Berlin, 23:00 UTC
    assert all(label.startswith("Nov") for _, label in marks)


def test_values_read_in_their_unit():
    assert charts.format_value(12.345, "GiB") == "12.3 GiB"
    assert charts.format_value(45.4, "ms") == "45 ms"
    assert charts.format_value(None, "%") == "—"
