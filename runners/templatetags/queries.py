"""Links that keep the dashboard's filters: `?{% query form sort="name" page="" %}`."""

from __future__ import annotations

from django import template

from runners.forms import DashboardFilterForm

register = template.Library()


@register.simple_tag
def query(form: DashboardFilterForm, **changes: object) -> str:
    """The form's query string with `changes` applied; an empty value drops a parameter."""
    return form.query_with(**changes)
