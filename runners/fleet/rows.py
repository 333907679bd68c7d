"""A dashboard page's runners and strip as read at one moment, and their sharing between polls.

Fifty viewers of a fleet polling every few seconds would each read and build the same hundred
runners. Polls of the same teams and query share the rows one of them read, for up to
DASHBOARD_POLL_SHARE_S seconds. A poll takes only rows read no earlier than those its page
shows (its `seen`), so a page never goes back in time, even when its polls reach processes
that read at other moments. (Reading again in a background thread instead, so that no poll
waits on a read, made polls slower: that thread takes the interpreter from the requests.)
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from django.conf import settings
from django.core.paginator import Page

from runners.fleet.strip import Strip
from runners.models import Runner


@dataclass(frozen=True)
class Rows:
    page: Page
    runners: list[Runner]
    strip: Strip
    read_at: float  # time.time() as the read began: comparable between processes


_shared: dict[Hashable, Rows] = {}
_lock = threading.Lock()


def rows_for(key: Hashable, seen: float, read: Callable[[], Rows]) -> Rows:
    """Rows for a poll of `key` whose page shows rows read at `seen`: shared ones when fresh
    enough, else `read()` now."""
    share_s = settings.DASHBOARD_POLL_SHARE_S
    found = _shared.get(key)
    if found is None or found.read_at < seen or time.time() - found.read_at >= share_s:
        found = _keep(key, read(), share_s)
    return found


def _keep(key: Hashable, rows: Rows, share_s: float) -> Rows:
    if share_s:
        with _lock:
            for old in [k for k, kept in _shared.items() if rows.read_at - kept.read_at >= share_s]:
                del _shared[old]
            _shared[key] = rows
    return rows
