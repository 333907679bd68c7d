"""Formatting for the fleet intelligence pages."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from runners.intel.compat import Verdict
from runners.intel.fleet import Member
from runners.intel.matrix import Matrix, PackRow
from runners.templatetags.units import gib

register = template.Library()

# A matrix of 300 runners by 150 packs has 45,000 cells: joined here, not looped in a template.
_CELLS = {
    True: "<td>✓</td>",
    False: '<td class="lacks">✗</td>',
    None: '<td class="unknown">?</td>',
}


@register.filter
def matrix_cells(row: PackRow) -> SafeString:
    """The row's cells, one per runner column."""
    return mark_safe("".join(map(_CELLS.__getitem__, row.cells)))  # noqa: S308 (constants only)


# Result tables run to one row per runner (300 and more): a row is one format string, which
# renders in a fraction of the time a template loop takes. Every value is escaped.
@register.filter
def finder_rows(matches: list[Member]) -> SafeString:
    """The finder's result rows."""
    return format_html_join(
        "",
        '<tr><th scope="row"><a href="{}">{}</a></th><td class="num">{}</td>'
        '<td class="num">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>',
        (
            (m.url, m.name, gib(m.vram_free_max), gib(m.vram_free_total), m.gpu_models or "—",
             m.comfyui_version or "—", m.state_words, m.tags or "—")
            for m in matches
        ),
    )  # fmt: skip


@register.filter
def check_rows(verdicts: list[Verdict]) -> SafeString:
    """The workflow check's rows: one per runner, its verdict in words."""
    return format_html_join("", "{}", ((_check_row(v),) for v in verdicts))


def _check_row(v: Verdict) -> SafeString:
    words, tone = v.label
    return format_html(
        '<tr class="tone-{}"><th scope="row"><a href="{}">{}</a></th>'
        '<td><span class="badge badge-{}">{}</span></td><td>{}</td><td>{}</td><td>{}</td>'
        '<td class="num">{}</td></tr>',
        tone, v.member.url, v.member.name, tone, words, v.nodes_text, v.models_text,
        v.member.state_words, gib(v.member.vram_free_max),
    )  # fmt: skip


@register.filter
def get_item(mapping: dict[Any, Any], key: Any) -> Any:
    return mapping.get(key)


@register.filter
def runner_headings(matrix: Matrix) -> SafeString:
    """A column heading per runner, linking to its page."""
    return format_html_join(
        "", '<th scope="col" class="rotated"><a href="{}">{}</a></th>',
        ((m.url, m.name) for m in matrix.runners),
    )  # fmt: skip


@register.filter
def drift_cells(matrix: Matrix) -> SafeString:
    """A cell per runner, flagged with its drift sentence where it drifts."""
    return format_html_join(
        "", "<td>{}</td>", ((_drift_flag(matrix.drifts.get(m.id, "")),) for m in matrix.runners)
    )


def _drift_flag(sentence: str) -> SafeString | str:
    return format_html('<span class="drift-flag" title="{}">!</span>', sentence) if sentence else ""
