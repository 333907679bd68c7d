"""Formatting for the fleet intelligence pages."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe

from runners.intel.matrix import PackRow

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
    return mark_safe("".join(_CELLS[cell] for cell in row.cells))  # noqa: S308 (constants only)


@register.filter
def get_item(mapping: dict[Any, Any], key: Any) -> Any:
    return mapping.get(key)


@register.filter
def drift_sentence(drifts: dict[int, str], runner_id: int) -> str:
    return drifts.get(runner_id, "")
