"""Runner URLs for pages that link many runners.

`reverse()` matches its arguments against the URL pattern on every call, about 50 µs; a page of
100 cards made 300 such calls. A runner's URLs differ only in the team and runner slugs, so
each is reversed once per script prefix and its slugs filled in after.
"""

from __future__ import annotations

from functools import cache

from django.urls import get_script_prefix, reverse

# Slug-shaped stand-ins that no route spells: reversed in place of the real slugs.
_TEAM, _RUNNER = "team-slot-2f8c", "runner-slot-2f8c"


def runner_url(name: str, team_slug: str, runner_slug: str) -> str:
    """What `reverse(name, args=[team_slug, runner_slug])` gives, for the slugs a model holds."""
    return _template(name, get_script_prefix()).format(team_slug, runner_slug)


@cache
def _template(name: str, script_prefix: str) -> str:
    path = reverse(name, args=[_TEAM, _RUNNER]).replace("{", "{{").replace("}", "}}")
    return path.replace(_TEAM, "{0}", 1).replace(_RUNNER, "{1}", 1)
