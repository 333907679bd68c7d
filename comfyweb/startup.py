"""What a web process does once it has loaded the app and before it serves a request."""

from __future__ import annotations

import gc

from django.urls import get_resolver


def settle() -> None:
    """Load every view now, then keep what the process loaded out of the collector's sight.

    A page allocates enough short-lived objects that Python's collector makes a full pass every
    few pages, and a full pass walks every object the process holds: the hundreds of thousands
    that a loaded Django app keeps for its whole life as well. Frozen, those are never walked
    again, and a full pass costs what the page allocated (docs/benchmarks.md, "Collector pauses").
    """
    get_resolver().url_patterns  # noqa: B018  (importing the URLconf imports every view)
    gc.collect()
    gc.freeze()
