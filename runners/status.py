"""Every state a runner can be in, with what each one means: the one list of them.

Stored states are written by polling (``RunnerState.status``, snapshots, the status log);
display states (refreshing, stale) are derived from a stored state when a card is built.
Labels, tones, the failing set, the dashboard's filter groups and the sentences that name
nothing about a runner (for share pages) are all read from here.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.db.models import Q

# The dashboard's status filter: group key and its label, in the order the filter lists them.
GROUPS = {"ok": "Up", "failing": "Failing", "paused": "Paused", "pending": "Not fetched"}


@dataclass(frozen=True)
class Meaning:
    tone: str  # ok, neutral, warn or bad: the badge's colour and the card's border
    group: str  # the key in GROUPS whose filter finds a runner in this state
    sentence: str  # what it means, in words that name no host, URL or account


class Status(models.TextChoices):
    OK = "ok", "OK"
    PENDING = "pending", "Not fetched yet"
    REFRESHING = "refreshing", "Refreshing"
    STALE = "stale", "Stale"
    PAUSED = "paused", "Paused"
    UNAUTHORIZED = "unauthorized", "Unauthorized"
    FORBIDDEN = "forbidden", "Forbidden"
    NOT_FOUND = "not_found", "Not found"
    RATE_LIMITED = "rate_limited", "Rate limited"
    UPSTREAM_ERROR = "upstream_error", "Upstream error"
    TIMEOUT = "timeout", "Timeout"
    UNREACHABLE = "unreachable", "Unreachable"
    BAD_RESPONSE = "bad_response", "Bad response"
    BLOCKED = "blocked", "Blocked"
    UNDECRYPTABLE = "undecryptable", "Credentials unreadable"
    REMOVED = "removed", "Removed upstream"

    @property
    def meaning(self) -> Meaning:
        return MEANINGS[self]

    @property
    def tone(self) -> str:
        return self.meaning.tone

    @property
    def group(self) -> str:
        return self.meaning.group

    @property
    def sentence(self) -> str:
        return self.meaning.sentence

    @property
    def is_failing(self) -> bool:
        """Whether a runner in this state counts as down: in outages, filters and counts."""
        return self.group == "failing"

    @classmethod
    def in_group(cls, group: str) -> list[Status]:
        """The stored states whose runners the filter of ``group`` finds."""
        return [status for status in cls if status.group == group and status not in DISPLAY_ONLY]


def _failing(sentence: str) -> Meaning:
    return Meaning("bad", "failing", sentence)


MEANINGS: dict[Status, Meaning] = {
    Status.OK: Meaning("ok", "ok", ""),
    Status.PENDING: Meaning("neutral", "pending", "No stats fetched yet."),
    Status.REFRESHING: Meaning("neutral", "pending", "Fetching stats for the first time…"),
    Status.STALE: Meaning(
        "warn", "ok", "The stats are out of date: the last refresh was a while ago."
    ),
    Status.PAUSED: Meaning(
        "neutral", "paused", "Polling is paused; the last stats stay as they were."
    ),
    Status.UNAUTHORIZED: _failing(
        "ComfyControl rejected the team's API token: check that it is valid and not expired."
    ),
    Status.FORBIDDEN: _failing(
        "The team's ComfyControl plan lacks access to managed runners (Pro or Plus needed)."
    ),
    Status.NOT_FOUND: _failing("The runner was not found, or is not available to the team's plan."),
    Status.RATE_LIMITED: _failing(
        "ComfyControl is rate limiting requests; the next try waits for the pause to end."
    ),
    Status.UPSTREAM_ERROR: _failing("The runner could not be reached."),
    Status.TIMEOUT: _failing("The runner did not answer in time."),
    Status.UNREACHABLE: _failing(
        "The runner could not be reached: the connection was refused or the name did not resolve."
    ),
    Status.BAD_RESPONSE: _failing("The runner answered with something that is not valid stats."),
    Status.BLOCKED: _failing("The runner's address is blocked by this deployment's egress policy."),
    Status.UNDECRYPTABLE: _failing(
        "The stored credentials cannot be decrypted with this deployment's keys: enter them again."
    ),
    Status.REMOVED: Meaning(
        "neutral",
        "paused",
        "ComfyControl no longer lists this runner, so it is not polled; an owner can delete it.",
    ),
}

# Derived from a stored state when a card is built; never written to the database.
DISPLAY_ONLY = frozenset({Status.REFRESHING, Status.STALE})


def group_filter(group: str) -> Q:
    """A filter on runners whose state falls in the group: paused runners only in "paused"."""
    stored = Q(state__status__in=Status.in_group(group))
    if group == "paused":
        return stored | Q(paused=True)
    if group == "pending":
        stored |= Q(state__isnull=True)
    return stored & Q(paused=False)
