"""The one card renderer, with rendered markup kept per process.

Building a card costs two queries and a parse of its stats, and rendering it is most of a
dashboard's time; yet every viewer's card poll after a fetch asks for the same markup. Markup is
cached under everything a card shows that can change between fetches (the runner's own fields,
its face and its audience), so whoever asks first builds it and everyone else gets it from here.
The cache is local memory (the "cards" alias): a deploy restarts the processes, so markup from
an older template is never served.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from django.core.cache import caches
from django.template import engines
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from runners.cards.build import Audience, Card, Face, cards_for, drift_of, face_of, interval_floor
from runners.models import Runner, RunnerState
from runners.units import HOUR, now_ts

# Each view of the dashboard renders a runner as one fragment: a card, or a table row.
TEMPLATES = {"cards": "cards/card.html", "table": "cards/row.html"}


def keys_for(runners: Sequence[Runner], audience: Audience, view: str = "cards") -> dict[int, str]:
    """Each runner's render-cache key, by id, in order; no query."""
    now = timezone.now()
    floor = interval_floor(runners)
    return {
        runner.pk: _key(runner, face_of(runner, now, audience, floor), audience, view)
        for runner in runners
    }


def cards_html(
    runners: Sequence[Runner],
    audience: Audience,
    view: str = "cards",
    keys: dict[int, str] | None = None,
) -> list[SafeString]:
    """Each runner's card (or table row) markup, in order; only those missing from the cache
    are built. `keys` from `keys_for` saves computing them again."""
    cache = caches["cards"]
    keys = keys or keys_for(runners, audience, view)
    found = cache.get_many(keys.values())
    missing = _with_stats([runner for runner in runners if keys[runner.pk] not in found])
    rendered = {keys[card.runner.pk]: _render(card, view) for card in cards_for(missing, audience)}
    cache.set_many(rendered)
    markup = found | rendered
    return [mark_safe(markup[keys[runner.pk]]) for runner in runners]  # noqa: S308


def out_of_band(markup: str) -> SafeString:
    """A fragment marked to replace the element with its id wherever it is on the page.

    Table rows travel inside a template: outside a table, HTML would drop their tags.
    """
    markup = markup.strip()
    name_end = markup.index(" ")
    swapped = f'{markup[:name_end]} hx-swap-oob="true"{markup[name_end:]}'
    if markup.startswith("<tr"):
        swapped = f"<template>{swapped}</template>"
    return mark_safe(swapped)  # noqa: S308  (our own rendered markup)


def _with_stats(runners: list[Runner]) -> list[Runner]:
    """The runners with their state's stats, read in one query when a page loaded them without
    (its cursor needs none: only the cards it must render do)."""
    deferred = [
        runner.state for runner in _stated(runners) if "stats" in runner.state.get_deferred_fields()
    ]
    if deferred:
        ids = [state.pk for state in deferred]
        stats = dict(RunnerState.objects.filter(pk__in=ids).values_list("pk", "stats"))
        for state in deferred:
            state.stats = stats.get(state.pk)  # None if the runner went meanwhile
    return runners


def _stated(runners: list[Runner]) -> list[Runner]:
    return [runner for runner in runners if getattr(runner, "state", None) is not None]


def card_html(card: Card) -> SafeString:
    """The markup of a card a page has built already (for its other panels)."""
    key = _key(card.runner, card.face, card.audience)
    return mark_safe(caches["cards"].get_or_set(key, lambda: _render(card)))  # noqa: S308


def _render(card: Card, view: str = "cards") -> str:
    return engines["jinja2"].get_template(TEMPLATES[view]).render({"card": card})


def _key(runner: Runner, face: Face, audience: Audience, view: str = "cards") -> str:
    """The stats and sparkline change only with a fetch, so with `face.version`; the uptime
    window also moves on the hour.

    Ages ("12 s ago") are the exception: app.js keeps them current in the browser.
    """
    shown = (
        view,
        runner.name,
        runner.slug,
        runner.source,
        runner.tags,
        runner.poll_interval,
        runner.team.slug,
        runner.team.name,
        audience.share_token,
        audience.may_refresh(runner),
        face,
        None if audience.is_public else drift_of(runner),
        now_ts() // HOUR,
    )
    digest = hashlib.blake2b(repr(shown).encode(), digest_size=16).hexdigest()
    return f"card:{runner.pk}:{digest}"
