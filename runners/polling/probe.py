"""Checks made before anything is saved: a direct runner's connection and a token's account.

Both go through the same egress policy, limits and parsers as polling (the token check under
ComfyControl's shared budget), and answer with a result a page can show, never an exception.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from django.conf import settings

from runners.models import Runner
from runners.polling import budget
from runners.polling.refresh import fetch
from runners.stats import RunnerStats
from runners.upstream import comfycontrol, errors
from runners.upstream.egress import EgressPolicy, Limits, vet
from runners.upstream.responses import UNREADABLE

log = logging.getLogger(__name__)

BUDGET_WAIT_S = 10


@dataclass(frozen=True)
class Connection:
    """What a test connection found: stats, or the sentence of the failure."""

    stats: RunnerStats | None = None
    latency_ms: int | None = None
    sentence: str = ""

    @property
    def ok(self) -> bool:
        return self.stats is not None


@dataclass(frozen=True)
class TokenCheck:
    plan: str = ""  # the account's plan when ComfyControl accepted the token
    sentence: str = ""  # why it was refused, when it was

    @property
    def ok(self) -> bool:
        return not self.sentence


def try_connection(base_url: str, headers: Mapping[str, str]) -> Connection:
    """Fetch a direct runner's stats once, exactly as polling would, without saving it."""
    runner = Runner(source=Runner.Source.DIRECT, base_url=base_url, headers=dict(headers))
    try:
        fetched = fetch(runner)
    except errors.UpstreamError as error:
        return Connection(sentence=error.sentence)
    except Exception:
        # As in polling: whatever a runner sends ends in a failure state, never a 500.
        log.exception("a connection test's answer could not be read")
        return Connection(sentence=UNREADABLE)
    return Connection(stats=fetched.stats, latency_ms=fetched.latency_ms)


def address_refusal(base_url: str) -> str | None:
    """Why the egress policy refuses the URL's address (naming the setting), or None; a name
    that does not resolve now is not refused: the runner may come up later."""
    try:
        vet(base_url, EgressPolicy.from_settings())
    except errors.Blocked as error:
        return error.sentence
    except errors.UpstreamError:
        return None
    return None


def check_token(secret: str) -> TokenCheck:
    """Ask ComfyControl whose token this is (`/v1/user`), under the shared rate budget."""
    host = budget.comfycontrol_host()
    if not budget.wait_and_acquire(host, BUDGET_WAIT_S):
        return TokenCheck(sentence="ComfyControl's rate budget is spent; try again in a minute.")
    try:
        account = comfycontrol.fetch_account(
            settings.COMFYCONTROL_API_URL, secret, Limits.from_settings()
        )
    except errors.Unauthorized:
        return TokenCheck(sentence="ComfyControl refused this token: it is invalid or expired.")
    except errors.UpstreamError as error:
        if isinstance(error, errors.RateLimited):
            budget.pause(host)  # as a fetch does: every call waits
        return TokenCheck(sentence=f"The token could not be checked: {error.sentence}")
    return TokenCheck(plan=account.plan or "unknown")
