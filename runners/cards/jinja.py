"""The Jinja2 environment that renders cards and table rows, with the filters of `units`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone
from jinja2 import Environment, Undefined

from runners.templatetags import units

FILTERS = (
    "gib",
    "gib_plain",
    "percent",
    "scaled",
    "age",
    "since",
    "clock",
    "duration",
    "epoch",
    "availability",
    "uptime_figure",
)


def environment(**options: Any) -> Environment:
    """Django's options, escaping always, and a missing value rendered empty in DEBUG as in
    production."""
    options.pop("autoescape", None)
    options.pop("undefined", None)
    env = Environment(autoescape=True, undefined=Undefined, **options)
    env.filters.update({name: getattr(units, name) for name in FILTERS}, iso=iso)
    return env


def iso(moment: datetime) -> str:
    """The moment in ISO 8601, in the server's zone: a `datetime` attribute's value."""
    return timezone.localtime(moment).isoformat()
