"""Rendered card markup, kept per process: a card is built and rendered about once per fetch.

Building a card costs two queries and a parse of its stats, and rendering it is most of a
dashboard's time; yet every viewer's card poll after a fetch asks for the same markup. Markup is
cached under everything a card shows that can change between fetches (the runner's own fields
and its face), so whoever asks first builds it and everyone else gets it from here. The cache
is local memory (the "cards" alias): a deploy restarts the processes, so markup from an older
template is never served.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence

from django.core.cache import caches
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from runners import cards
from runners.models import Runner


def card_html(runner: Runner, can_refresh: bool) -> SafeString:
    return cards_html([runner], {runner.team_id} if can_refresh else ())[0]


def cards_html(
    runners: Sequence[Runner], refreshable_team_ids: Collection[int] = ()
) -> list[SafeString]:
    """Each runner's card markup, in order, as `cards.cards_for` would build it."""
    cache = caches["cards"]
    now = timezone.now()
    floor = cards.interval_floor(runners)
    keys = {
        runner.pk: _key(runner, cards.face_of(runner, now, floor), refreshable_team_ids)
        for runner in runners
    }
    found = cache.get_many(keys.values())
    missing = [runner for runner in runners if keys[runner.pk] not in found]
    rendered = {
        keys[card.runner.pk]: render_to_string("runners/_card.html", {"card": card})
        for card in cards.cards_for(missing, refreshable_team_ids)
    }
    cache.set_many(rendered)
    markup = found | rendered
    return [mark_safe(markup[keys[runner.pk]]) for runner in runners]  # noqa: S308


def _key(runner: Runner, face: cards.Face, refreshable_team_ids: Collection[int]) -> str:
    """The stats, sparkline and uptime change only with a fetch, so with `face.version`.

    Ages ("12 s ago") are the exception: app.js keeps them current in the browser.
    """
    shown = (
        runner.name,
        runner.slug,
        runner.source,
        runner.tags,
        runner.poll_interval,
        runner.team.slug,
        runner.team.name,
        runner.team_id in refreshable_team_ids,
        face,
    )
    digest = hashlib.blake2b(repr(shown).encode(), digest_size=16).hexdigest()
    return f"card:{runner.pk}:{digest}"
