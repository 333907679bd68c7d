"""Server-rendered SVG. Knows numbers, not models: every input is a list of floats or None."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from runners.charts import ticks


def sparkline(
    values: Sequence[float | None], label: str, width: int = 120, height: int = 28
) -> SafeString:
    """A 0..1 series as a small line; None values leave gaps (the runner was down)."""
    step = width / max(len(values) - 1, 1)
    segments = _segments(
        [(i * step, height - 1 - v * (height - 2)) for i, v in enumerate(values) if v is not None],
        [i for i, v in enumerate(values) if v is not None],
    )
    lines = "".join(
        f'<polyline points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in segment)}"/>'
        for segment in segments
    )
    return format_html(
        '<svg class="sparkline" viewBox="0 0 {} {}" width="{}" height="{}" role="img" '
        'aria-label="{}" preserveAspectRatio="none">{}</svg>',
        width,
        height,
        width,
        height,
        label,
        mark_safe(lines),  # noqa: S308 (built from numbers only)
    )


def _segments(
    points: list[tuple[float, float]], indexes: list[int]
) -> list[list[tuple[float, float]]]:
    """Split points wherever their indexes are not consecutive; a lone point becomes a dot."""
    segments: list[list[tuple[float, float]]] = []
    previous = None
    for point, index in zip(points, indexes, strict=True):
        if previous is None or index != previous + 1:
            segments.append([])
        segments[-1].append(point)
        previous = index
    return [s if len(s) > 1 else [s[0], (s[0][0] + 0.5, s[0][1])] for s in segments]


# Trend charts: stacked panels sharing one time axis, in a 1000-unit-wide viewBox.
WIDTH = 1000
LEFT, RIGHT = 48, 8
HEAD_H, PANEL_H, GAP, AXIS_H = 24, 110, 12, 20
COLOURS = 6
DECIMALS = {"GiB": 1, "ms": 0, "%": 1}

Point = tuple[int, float | None]


class Line(Protocol):
    @property
    def label(self) -> str: ...

    @property
    def points(self) -> Sequence[Point]: ...


@dataclass(frozen=True)
class Panel:
    """A chart panel: lines in one unit; `top` fixes the y axis (100 for percentages)."""

    title: str
    unit: str
    lines: Sequence[Line]
    top: float | None = None


@dataclass(frozen=True)
class Frame:
    """Where values and times land in the SVG."""

    start_ts: int
    end_ts: int
    bucket_s: int

    @property
    def plot_width(self) -> float:
        return WIDTH - LEFT - RIGHT

    def x(self, ts: float) -> float:
        return LEFT + (ts - self.start_ts) * self.plot_width / (self.end_ts - self.start_ts)

    def centre(self, bucket_ts: int) -> float:
        return self.x(bucket_ts + self.bucket_s / 2)


def format_value(value: float | None, unit: str) -> str:
    """`12.3 GiB`, `45 ms`, `99.5 %`; an em dash for None."""
    if value is None:
        return "—"
    return f"{value:.{DECIMALS.get(unit, 1)}f} {unit}"


def trend_chart(panels: Sequence[Panel], frame: Frame, max_gap_s: int, label: str) -> SafeString:
    """Panels stacked over one time axis, with a hover readout per bucket.

    Lines break at None (the runner was down) and where points are more than `max_gap_s`
    apart (nothing was recorded).
    """
    height = len(panels) * (HEAD_H + PANEL_H + GAP) - GAP + AXIS_H
    body = [_time_axis(frame, height - AXIS_H)]
    for number, panel in enumerate(panels):
        body.append(_panel(panel, frame, number * (HEAD_H + PANEL_H + GAP), max_gap_s))
    body.append(_hover(panels, frame, height - AXIS_H))
    return format_html(
        '<svg class="trend" viewBox="0 0 {} {}" role="img" aria-label="{}" font-size="12">{}</svg>',
        WIDTH,
        height,
        label,
        mark_safe("".join(body)),  # noqa: S308 (every piece is escaped where it is built)
    )


def _panel(panel: Panel, frame: Frame, top: int, max_gap_s: int) -> str:
    plot_top, bottom = top + HEAD_H, top + HEAD_H + PANEL_H
    values = [v for line in panel.lines for _, v in line.points if v is not None]
    tick_values = ticks.value_ticks(panel.top or max(values, default=0))
    scale = PANEL_H / tick_values[-1]

    def y(value: float) -> float:
        return bottom - value * scale

    grid = "".join(f"M{LEFT} {y(v):.0f}H{WIDTH - RIGHT}" for v in tick_values)
    labels = "".join(
        format_html(
            '<text x="{}" y="{}" text-anchor="end" dy="4">{}</text>',
            LEFT - 6,
            round(y(v)),
            ticks.value_label(v),
        )
        for v in tick_values
    )
    lines = "".join(
        f'<path class="c{n % COLOURS}" d="{_path(line.points, frame, y, max_gap_s)}"/>'
        for n, line in enumerate(panel.lines)
    )
    return (
        f'<g class="grid"><path d="{grid}"/></g>'
        f"{_legend(panel, top)}{labels}"
        f'<g class="lines" fill="none" stroke-width="2" stroke-linecap="round" '
        f'stroke-linejoin="round">{lines}</g>'
        f'<rect class="frame" x="{LEFT}" y="{plot_top}" width="{frame.plot_width:.0f}" '
        f'height="{PANEL_H}" fill="none"/>'
    )


def _legend(panel: Panel, top: int) -> str:
    title = f"{panel.title} ({panel.unit})"
    parts = [format_html('<text class="title" x="0" y="{}">{}</text>', top + 14, title)]
    # The server cannot measure text: about 7 units a character at font-size 12 (7.5 bold).
    x = len(title) * 7.5 + 24
    for n, line in enumerate(panel.lines):
        parts.append(
            format_html(
                '<path class="c{}" d="M{} {}h16" stroke-width="3"/><text x="{}" y="{}">{}</text>',
                n % COLOURS,
                round(x),
                top + 10,
                round(x) + 20,
                top + 14,
                line.label,
            )
        )
        x += 20 + len(line.label) * 7 + 18
    return f'<g class="legend">{"".join(parts)}</g>'


def _path(
    points: Sequence[Point], frame: Frame, y: Callable[[float], float], max_gap_s: int
) -> str:
    """`M x y L x y …` per unbroken run of points; a lone point becomes a dot."""
    runs: list[list[str]] = []
    previous = None
    for ts, value in points:
        if value is None:
            previous = None
            continue
        if previous is None or ts - previous > max_gap_s:
            runs.append([])
        runs[-1].append(f"{frame.centre(ts):.0f} {y(value):.0f}")
        previous = ts
    return "".join(
        f"M{run[0]}L{' '.join(run[1:])}" if len(run) > 1 else f"M{run[0]}h0" for run in runs
    )


def _time_axis(frame: Frame, bottom: int) -> str:
    marks = ticks.time_ticks(frame.start_ts, frame.end_ts, timezone.get_current_timezone())
    grid = "".join(f"M{frame.x(ts):.0f} 0V{bottom}" for ts, _ in marks)
    labels = "".join(
        format_html(
            '<text x="{}" y="{}" text-anchor="middle">{}</text>',
            round(frame.x(ts)),
            bottom + 15,
            text,
        )
        for ts, text in marks
    )
    return f'<g class="grid"><path d="{grid}"/></g><g class="axis">{labels}</g>'


def _hover(panels: Sequence[Panel], frame: Frame, bottom: int) -> str:
    """One invisible column per bucket whose <title> is the readout of every line there."""
    readouts: dict[int, list[str]] = {}
    for panel in panels:
        for line in panel.lines:
            for ts, value in line.points:
                text = "down" if value is None else format_value(value, panel.unit)
                readouts.setdefault(ts, []).append(f"{line.label} {text}")
    tz = timezone.get_current_timezone()
    columns = "".join(
        format_html(
            '<path d="M{} 0V{}"><title>{}\n{}</title></path>',
            round(frame.centre(ts)),
            bottom,
            ticks.moment_label(ts, tz, frame.bucket_s),
            "\n".join(readouts[ts]),
        )
        for ts in sorted(readouts)
    )
    width = frame.plot_width * frame.bucket_s / (frame.end_ts - frame.start_ts)
    return f'<g class="hover" stroke-width="{width:.1f}">{columns}</g>'
