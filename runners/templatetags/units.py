"""Formatting for people: sizes in GiB, percentages, ages."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import pairwise
from typing import TYPE_CHECKING

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from runners import charts
from runners.status import Status
from runners.units import DAY, GIB, HOUR, MINUTE

if TYPE_CHECKING:
    from runners.history.uptime import Uptime

register = template.Library()

DURATION_UNITS = (("d", DAY), ("h", HOUR), ("min", MINUTE), ("s", 1))


@register.filter
def gib(value: int | None) -> SafeString | str:
    """`12.3 GiB` with the exact byte count on hover; an em dash when unknown."""
    if not isinstance(value, int):
        return "—"
    # Numbers only: nothing to escape, and format_html would cost a tenth of a card's render.
    return mark_safe(f'<span title="{value:,} bytes">{value / GIB:.1f} GiB</span>')  # noqa: S308


@register.filter
def gib_plain(value: int | None) -> str:
    """`12.3 GiB` as plain text, for attributes."""
    return f"{value / GIB:.1f} GiB" if isinstance(value, int) else "—"


@register.filter
def percent(fraction: float | None) -> str:
    if fraction is None:
        return "—"
    return f"{fraction * 100:.0f} %"


@register.filter
def scaled(value: int | None, factor: float) -> int:
    """A fraction of a byte count, for a meter's warning threshold."""
    return int((value or 0) * float(factor))


@register.filter
def age(moment: datetime | None) -> str:
    """How long ago, in the largest sensible unit: `12 s`, `5 min`, `3 h`, `2 d`."""
    if moment is None:
        return "never"
    seconds = max(0, int((timezone.now() - moment).total_seconds()))
    return f"{duration(seconds)} ago"


@register.filter
def since(moment: datetime | None) -> str:
    """How long since, as `age` without "ago": `4 min`."""
    if moment is None:
        return "—"
    return duration(max(0, int((timezone.now() - moment).total_seconds())))


@register.filter
def clock(moment: datetime | None) -> SafeString | str:
    """The time of day (with the date when not today), in the server's zone with the zone
    named; app.js rewrites it in the viewer's own zone."""
    if moment is None:
        return "—"
    local = timezone.localtime(moment)
    shown = local.strftime(
        "%H:%M %Z" if local.date() == timezone.localdate() else "%b %-d, %H:%M %Z"
    )
    return format_html('<time datetime="{}" data-clock>{}</time>', local.isoformat(), shown)


@register.filter
def duration(seconds: int | float | None) -> str:
    """`45 s`, `1 min 25 s`, `12 min`, `2 h 5 min`, `3 d`: the next unit too while it matters."""
    if seconds is None:
        return "—"
    seconds = int(seconds)
    for (unit, size), (small_unit, small_size) in pairwise(DURATION_UNITS):
        if seconds >= size:
            big, small = seconds // size, seconds % size // small_size
            return f"{big} {unit} {small} {small_unit}" if small and big < 10 else f"{big} {unit}"
    return f"{seconds} s"


@register.filter
def from_epoch(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, tz=UTC)


@register.filter
def epoch(moment: datetime | None) -> int | str:
    """Epoch seconds for `data-` attributes that app.js turns into ticking ages."""
    return int(moment.timestamp()) if moment else ""


@register.filter
def status_label(status: str) -> str:
    """A status code in the words of the card's badge: `upstream_error` → `Upstream error`."""
    return Status(status).label if status in Status.values else status


@register.filter
def status_tone(status: str) -> str:
    """The tone of a status code's badge: ok, neutral, warn or bad."""
    return Status(status).tone if status in Status.values else "bad"


@register.filter
def chart_value(value: float | None, unit: str) -> str:
    """A chart value as the chart's readout shows it: `12.3 GiB`, `45 ms`, `99.5 %`."""
    return charts.format_value(value, unit)


@register.filter
def uptime_figure(up: Uptime | None) -> SafeString | str:
    """`99.2 %`, with how much of its window was observed when not all of it; a dash when
    nothing was."""
    if not up:
        return "—"
    figure = availability(up.fraction)
    if not up.observed_from_ts:
        return figure
    return format_html(
        '{} <span class="muted small">of <time data-ts="{}" data-suffix=" observed">{} observed'
        "</time></span>",
        figure,
        up.observed_from_ts,
        since(from_epoch(up.observed_from_ts)),
    )


@register.filter
def availability(fraction: float | None) -> str:
    """`99.9 %`, rounded down so that only a perfect record reads 100 %."""
    return charts.format_value(None if fraction is None else fraction * 100, "%")
