"""Server-rendered SVG. Knows numbers, not models: every input is a list of floats or None."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe


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
