"""A runner's status badge, for READMEs and wikis: public under its unguessable key."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.cache import patch_cache_control

from runners.api import keys
from runners.cards.build import Audience, face_of
from runners.charts.badge import badge as badge_svg
from runners.status import Status
from runners.templatetags.units import gib_plain

MAX_AGE_S = 10
WORDS = {Status.OK: "up", Status.STALE: "stale", Status.PAUSED: "paused"}


def badge(request: HttpRequest, key: str) -> HttpResponse:
    """The SVG: the label the team chose, up or down, and the free VRAM of an up runner."""
    found = keys.badge_for(key)
    if found is None:
        raise Http404("No such badge, or it was revoked.")
    runner = found.runner
    status = face_of(runner, timezone.now(), Audience.public(key)).status
    message = WORDS.get(status, "down" if status.is_failing else "unknown")
    state = getattr(runner, "state", None)
    if status == Status.OK and state is not None and state.vram_free_total is not None:
        message += f" · {gib_plain(state.vram_free_total)} free"
    response = HttpResponse(
        badge_svg(found.label, message, status.tone), content_type="image/svg+xml"
    )
    patch_cache_control(response, max_age=MAX_AGE_S)
    return response
