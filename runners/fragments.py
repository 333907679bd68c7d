"""Rendered card markup, kept per process: a card is rendered about once per fetch.

Most of a dashboard's time goes to the template engine, and every viewer's card poll after a
fetch asks for the same markup. Both read and fill this cache, keyed by everything a card
shows, so whoever asks first renders it. The cache is local memory (the "cards" alias): a
deploy restarts the processes, so markup from an older template is never served.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from django.core.cache import caches
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from runners.cards import Card


def card_html(card: Card) -> SafeString:
    return cards_html([card])[0]


def cards_html(cards: Sequence[Card]) -> list[SafeString]:
    """Each card's markup, in order; the ones not cached are rendered and cached."""
    cache = caches["cards"]
    keys = [_key(card) for card in cards]
    found = cache.get_many(keys)
    rendered = {
        key: render_to_string("runners/_card.html", {"card": card})
        for key, card in zip(keys, cards, strict=True)
        if key not in found
    }
    cache.set_many(rendered)
    return [mark_safe(found.get(key) or rendered[key]) for key in keys]  # noqa: S308


def _key(card: Card) -> str:
    """Everything the card shows; the stats and times change only with `card.version`.

    Ages ("12 s ago") are the exception: app.js keeps them current in the browser.
    """
    runner = card.runner
    shown = (
        runner.name,
        runner.slug,
        runner.source,
        runner.tags,
        runner.team.slug,
        runner.team.name,
        card.version,
        card.sentence,
        card.is_due,
        card.interval,
        card.can_refresh,
        card.uptime,
        card.sparkline,
    )
    digest = hashlib.blake2b(repr(shown).encode(), digest_size=16).hexdigest()
    return f"card:{runner.pk}:{digest}"
