"""Page cursors: what a page shows, in a few bytes, so that its poll can say what changed.

A cursor lists each fragment on the page (a card or a table row) by runner id and a short
digest of its render-cache key, which changes whenever anything the fragment shows changes,
after a head for the rest of the page (such as the status strip).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping

from runners.models import Runner
from runners.polling import effective_interval

DIGEST_CHARS = 8
FAST_TICK_S = 2


def cursor(keys: Mapping[int, str], head: object = "") -> str:
    """The cursor of a page showing fragments with these render-cache keys, in this order."""
    parts = [_digest(repr(head)), *(f"{pk}-{_digest(key)}" for pk, key in keys.items())]
    return ".".join(parts)


def changes(old: str, new: str) -> tuple[bool, list[int]] | None:
    """(whether the head changed, ids of changed fragments) from `old` to `new`; None when the
    page lists other fragments or another order, so that only a whole list will do."""
    old_head, *old_parts = old.split(".")
    new_head, *new_parts = new.split(".")
    old_ids, new_ids = _ids(old_parts), _ids(new_parts)
    if old_ids != new_ids:
        return None
    changed = [pk for pk, a, b in zip(new_ids, old_parts, new_parts, strict=True) if a != b]
    return old_head != new_head, changed


def _ids(parts: list[str]) -> list[int] | None:
    try:
        return [int(part.partition("-")[0]) for part in parts]
    except ValueError:
        return None  # not a cursor this server made


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=DIGEST_CHARS // 2).hexdigest()


def poll_tick(runners: list[Runner]) -> int:
    """Seconds between the polls of a page showing these runners: 2 s while one of them has
    never been fetched, so a first fetch shows at once; else a third of the shortest interval,
    from 2 to 10 s, so a fetch shows soon after it falls due without a poll per runner."""
    if any(_never_fetched(runner) for runner in runners):
        return FAST_TICK_S
    return steady_tick(effective_interval(runner) for runner in runners)


def steady_tick(intervals: Iterable[int]) -> int:
    """The tick of a page whose runners have all been fetched, from their effective intervals."""
    return max(FAST_TICK_S, min(10, min(intervals, default=30) // 3))


def _never_fetched(runner: Runner) -> bool:
    state = getattr(runner, "state", None)
    return state is None or state.fetched_at is None
