"""The ComfyControl rate budget, shared by every process through one database row per host.

ComfyControl allows 40 requests per 10 s per client IP and then locks the IP out for 10 s.
A GCRA limiter keeps any 10 s window at or below COMFYCONTROL_BUDGET_PER_10S: a burst of
BURST requests, then one request every WINDOW_S / (budget - BURST) seconds.
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction

from runners.models import RateBudget

WINDOW_S = 10.0
BURST = 4
PAUSE_AFTER_429_S = 11.0  # ComfyControl's lockout is 10 s; one more for clock skew


def comfycontrol_host() -> str:
    return urlsplit(settings.COMFYCONTROL_API_URL).netloc


def requests_per_second() -> float:
    return 1 / _emission_interval()


def _emission_interval() -> float:
    return WINDOW_S / max(settings.COMFYCONTROL_BUDGET_PER_10S - BURST, 1)


def acquire(host: str) -> float:
    """Take one request from the host's budget.

    Returns 0.0 when the request may go now (it is counted), or else how many seconds to wait
    before asking again (nothing is counted).
    """
    with transaction.atomic():
        budget = _locked(host)
        now = time.time()
        if (wait := _wait(budget.tat, budget.paused_until, now)) > 0:
            return wait
        budget.tat = max(budget.tat, now) + _emission_interval()
        budget.save(update_fields=["tat"])
        return 0.0


def wait_s(host: str) -> float:
    """How long until `acquire` would allow a request, read without a lock or a write."""
    row = RateBudget.objects.filter(host=host).values_list("tat", "paused_until").first()
    return _wait(*row, time.time()) if row else 0.0


def _wait(tat: float, paused_until: float, now: float) -> float:
    allowed_at = tat - (BURST - 1) * _emission_interval()
    return max(0.0, paused_until - now, allowed_at - now)


def wait_and_acquire(host: str, give_up_after_s: float) -> bool:
    """Block until the budget allows a request (True) or the time is up (False)."""
    give_up_at = time.monotonic() + give_up_after_s
    while (wait := acquire(host)) > 0:
        if time.monotonic() + wait > give_up_at:
            return False
        time.sleep(wait)
    return True


def pause(host: str, seconds: float = PAUSE_AFTER_429_S) -> float:
    """Hold back every call to the host for `seconds`; returns the epoch time the pause ends."""
    with transaction.atomic():
        budget = _locked(host)
        budget.paused_until = max(budget.paused_until, time.time() + seconds)
        budget.save(update_fields=["paused_until"])
        return budget.paused_until


def _locked(host: str) -> RateBudget:
    RateBudget.objects.get_or_create(host=host)
    return RateBudget.objects.select_for_update().get(host=host)
