"""Server-rendered SVG. Knows numbers, not models: every input is a list of floats or None."""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Sequence
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


# Trend charts: a status band, then stacked panels sharing one time axis, in a 1000-unit-wide
# viewBox. Value labels sit inside the plot, so the chart keeps its width on a phone, where
# CSS enlarges the text (a 1000-unit chart is ~340 px wide at 390 px: 34 units = 11.5 px).
WIDTH = 1000
LEFT, RIGHT = 8, 8
BAND_TOP, BAND_H = 44, 16
HEAD_H, PANEL_H, GAP, AXIS_H = 56, 170, 8, 44
COLOURS = 6
DECIMALS = {"GiB": 1, "ms": 0, "%": 1, "prompts": 1}

Point = tuple[int, float | None]


class Line(Protocol):
    @property
    def label(self) -> str: ...

    @property
    def points(self) -> Sequence[Point]: ...


@dataclass(frozen=True)
class Panel:
    """A chart panel: lines in one unit; `top` fixes the y axis (a GPU's VRAM, say)."""

    title: str
    unit: str
    lines: Sequence[Line]
    top: float | None = None


@dataclass(frozen=True)
class BandCell:
    """A bucket of the status band: how many fetches, how many of them ok."""

    ts: int
    ok: int
    total: int

    @property
    def tone(self) -> str:
        return "ok" if self.ok == self.total else "down" if not self.ok else "part"


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
    """`12.3 GiB`, `45 ms`, `99.5 %`; an em dash for None. Percentages round down, so that
    only a perfect record reads 100 % (and the uptime panel and the chart agree)."""
    if value is None:
        return "—"
    if unit == "%":
        value = math.floor(value * 10 + 1e-9) / 10
    return f"{value:.{DECIMALS.get(unit, 1)}f} {unit}"


def trend_chart(
    panels: Sequence[Panel],
    frame: Frame,
    max_gap_s: int,
    label: str,
    band: Sequence[BandCell] = (),
) -> SafeString:
    """A status band and panels stacked over one time axis, with a readout per bucket
    (static/app.js draws a crosshair from them). Buckets with failed fetches are shaded
    across every panel.

    Lines break at None (the runner was down) and where points are more than `max_gap_s`
    apart (nothing was recorded).
    """
    first = BAND_TOP + BAND_H + GAP
    bottom = first + len(panels) * (HEAD_H + PANEL_H + GAP) - GAP
    body = [
        _time_axis(frame, bottom),
        _shade(band, frame, BAND_TOP, bottom, max_gap_s),
        _band(band, frame, max_gap_s),
    ]
    for number, panel in enumerate(panels):
        body.append(_panel(panel, frame, first + number * (HEAD_H + PANEL_H + GAP), max_gap_s))
    body.append(_hover(panels, band, frame, bottom))
    body.append(f'<path class="crosshair" d="M0 {BAND_TOP}V{bottom}" visibility="hidden"/>')
    return format_html(
        '<svg class="trend" viewBox="0 0 {} {}" role="img" aria-label="{}">{}</svg>',
        WIDTH,
        bottom + AXIS_H,
        label,
        mark_safe("".join(body)),  # noqa: S308 (every piece is escaped where it is built)
    )


def _runs(
    band: Sequence[BandCell], frame: Frame, tones: Collection[str], max_gap_s: int
) -> list[tuple[str, int, int]]:
    """Buckets of one tone merged while no other tone and no gap in recording comes between:
    (tone, start ts, end ts), a few bytes each."""
    runs: list[tuple[str, int, int]] = []
    previous = None
    for cell in band:
        joins = previous is not None and previous.tone == cell.tone
        previous = cell
        if cell.tone not in tones:
            continue
        if joins and runs and cell.ts - runs[-1][2] < max_gap_s:
            runs[-1] = (cell.tone, runs[-1][1], cell.ts + frame.bucket_s)
        else:
            runs.append((cell.tone, cell.ts, cell.ts + frame.bucket_s))
    return runs


def _rects(runs: list[tuple[str, int, int]], frame: Frame, top: int, height: int) -> str:
    return "".join(
        f'<rect class="{tone}" x="{max(LEFT, frame.x(start)):.0f}" y="{top}" '
        f'width="{max(1.0, frame.x(end) - max(LEFT, frame.x(start))):.0f}" height="{height}"/>'
        for tone, start, end in runs
    )


def _band(band: Sequence[BandCell], frame: Frame, max_gap_s: int) -> str:
    """The heartbeat strip: green where every fetch was ok, red where none was."""
    title = f'<text class="title" x="0" y="{BAND_TOP - 8}">Status</text>'
    runs = _runs(band, frame, ("ok", "part", "down"), max_gap_s)
    return f'{title}<g class="band">{_rects(runs, frame, BAND_TOP, BAND_H)}</g>'


def _shade(band: Sequence[BandCell], frame: Frame, top: int, bottom: int, max_gap_s: int) -> str:
    runs = _runs(band, frame, ("part", "down"), max_gap_s)
    return f'<g class="shade">{_rects(runs, frame, top, bottom - top)}</g>'


def _panel(panel: Panel, frame: Frame, top: int, max_gap_s: int) -> str:
    plot_top, bottom = top + HEAD_H, top + HEAD_H + PANEL_H
    values = [v for line in panel.lines for _, v in line.points if v is not None]
    # Headroom over the highest value, so that a line at its maximum does not run on the frame.
    highest = max(panel.top or 0, 1.1 * max(values, default=0))
    tick_values = ticks.value_ticks(highest, most=4)
    scale = PANEL_H / tick_values[-1]

    def y(value: float) -> float:
        return bottom - value * scale

    grid = "".join(f"M{LEFT} {y(v):.0f}H{WIDTH - RIGHT}" for v in tick_values)
    labels = "".join(
        format_html(
            '<text x="{}" y="{}">{}</text>', LEFT + 4, round(y(v)) + 3, ticks.value_label(v)
        )
        for v in tick_values[1:]
    )
    lines = "".join(
        f'<path class="c{n % COLOURS}" d="{_path(line.points, frame, y, max_gap_s)}"/>'
        for n, line in enumerate(panel.lines)
    )
    return (
        f'<g class="grid"><path d="{grid}"/></g>'
        f'{_legend(panel, top)}<g class="values">{labels}</g>'
        f'<g class="lines" fill="none" stroke-width="2" stroke-linecap="round" '
        f'stroke-linejoin="round">{lines}</g>'
        f'<rect class="frame" x="{LEFT}" y="{plot_top}" width="{frame.plot_width:.0f}" '
        f'height="{PANEL_H}" fill="none"/>'
    )


def _legend(panel: Panel, top: int) -> str:
    title = f"{panel.title} ({panel.unit})"
    parts = [format_html('<text class="title" x="0" y="{}">{}</text>', top + HEAD_H - 8, title)]
    # The server cannot measure text: about 8 units a character at 14 (9 bold).
    x = len(title) * 9 + 24
    for n, line in enumerate(panel.lines):
        parts.append(
            format_html(
                '<g class="key"><path class="c{}" d="M{} {}h16" stroke-width="3"/>'
                '<text x="{}" y="{}">{}</text></g>',
                n % COLOURS,
                round(x),
                top + HEAD_H - 13,
                round(x) + 20,
                top + HEAD_H - 8,
                line.label,
            )
        )
        x += 20 + len(line.label) * 8 + 18
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
    marks = ticks.time_ticks(frame.start_ts, frame.end_ts, timezone.get_current_timezone(), 6)
    grid = "".join(f"M{frame.x(ts):.0f} {BAND_TOP}V{bottom}" for ts, _ in marks)
    labels = "".join(
        format_html(
            '<text x="{}" y="{}" text-anchor="middle">{}</text>',
            round(frame.x(ts)),
            bottom + 34,
            text,
        )
        for ts, text in marks
        if LEFT + 40 <= frame.x(ts) <= WIDTH - RIGHT - 40
    )
    return f'<g class="grid"><path d="{grid}"/></g><g class="axis">{labels}</g>'


def _hover(panels: Sequence[Panel], band: Sequence[BandCell], frame: Frame, bottom: int) -> str:
    """One invisible column per bucket whose <title> is the time and every line's value there."""
    readouts: dict[int, list[str]] = {
        cell.ts: [f"Up {format_value(100 * cell.ok / cell.total, '%')}"] for cell in band
    }
    for panel in panels:
        for line in panel.lines:
            for ts, value in line.points:
                text = "down" if value is None else format_value(value, panel.unit)
                readouts.setdefault(ts, []).append(f"{line.label} {text}")
    tz = timezone.get_current_timezone()
    columns = "".join(
        format_html(
            '<path d="M{} {}V{}"><title>{}\n{}</title></path>',
            round(frame.centre(ts)),
            BAND_TOP,
            bottom,
            ticks.moment_label(ts, tz, frame.bucket_s),
            "\n".join(readouts[ts]),
        )
        for ts in sorted(readouts)
    )
    width = frame.plot_width * frame.bucket_s / (frame.end_ts - frame.start_ts)
    return f'<g class="hover" stroke-width="{width:.1f}">{columns}</g>'
