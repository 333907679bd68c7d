"""What a runner card shows: the state row turned into a display status, stats and a sparkline."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.safestring import SafeString

from runners import charts, history, uptime
from runners.models import Runner, RunnerState
from runners.polling import comfycontrol_interval_floor, effective_interval
from runners.upstream import errors
from runners.upstream.stats import RunnerStats

STALE_AFTER_INTERVALS = 3
FAST_POLL_S = 2

LABELS = {
    "ok": "OK",
    "pending": "Not fetched yet",
    "refreshing": "Refreshing",
    "stale": "Stale",
    "paused": "Paused",
    "unauthorized": "Unauthorized",
    "forbidden": "Forbidden",
    "not_found": "Not found",
    "rate_limited": "Rate limited",
    "upstream_error": "Upstream error",
    "timeout": "Timeout",
    "unreachable": "Unreachable",
    "bad_response": "Bad response",
    "blocked": "Blocked",
}
TONES = {"ok": "ok", "pending": "neutral", "refreshing": "neutral", "paused": "neutral"}


@dataclass(frozen=True)
class Face:
    """What a card shows that takes no query: its status, its sentence and how it polls.

    With the runner's own fields, this is all that can change on a card between two fetches:
    fragments.py keys rendered cards by it.
    """

    status: str
    sentence: str
    interval: int
    is_due: bool
    version: str  # changes with every fetch and status; a poll that matches gets a 204


@dataclass(frozen=True)
class Card:
    runner: Runner
    state: RunnerState | None
    stats: RunnerStats | None
    face: Face
    sparkline: SafeString | None
    can_refresh: bool = False
    uptime: float | None = None  # fraction of ok fetches over the last 24 h

    @property
    def status(self) -> str:
        return self.face.status

    @property
    def sentence(self) -> str:
        return self.face.sentence

    @property
    def interval(self) -> int:
        return self.face.interval

    @property
    def is_due(self) -> bool:
        return self.face.is_due

    @property
    def version(self) -> str:
        return self.face.version

    @property
    def label(self) -> str:
        return LABELS.get(self.status, self.status)

    @property
    def tone(self) -> str:
        return TONES.get(self.status, "warn" if self.status == "stale" else "bad")

    @property
    def is_failing(self) -> bool:
        return self.tone in {"warn", "bad"}

    @property
    def poll_every(self) -> int:
        """Seconds until the card asks again: soon while a fetch is pending, else the interval."""
        return FAST_POLL_S if self.is_due or self.status == "refreshing" else self.interval

    @property
    def is_stretched(self) -> bool:
        return self.interval > self.runner.poll_interval


def cards_for(runners: Sequence[Runner], refreshable_team_ids: Collection[int] = ()) -> list[Card]:
    """Cards for runners loaded with `select_related("state")`, in two extra queries.

    Runners of `refreshable_team_ids` get a "refresh now" button.
    """
    now = timezone.now()
    runner_ids = [r.pk for r in runners]
    floor = interval_floor(runners)
    sparklines = history.vram_sparklines(runner_ids, int(now.timestamp()))
    uptimes = uptime.availability(runner_ids, [uptime.DAY], int(now.timestamp()))
    return [
        Card(
            runner=runner,
            state=getattr(runner, "state", None),
            stats=_stats(runner),
            face=face_of(runner, now, floor),
            sparkline=_sparkline(sparklines.get(runner.pk)),
            can_refresh=runner.team_id in refreshable_team_ids,
            uptime=uptimes.get(runner.pk, [None])[0],
        )
        for runner in runners
    ]


def card_for(runner: Runner, can_refresh: bool = False) -> Card:
    return cards_for([runner], {runner.team_id} if can_refresh else ())[0]


def public_card_for(runner: Runner) -> Card:
    """A card for share pages, whose failure sentences leave out host names and the like."""
    card = card_for(runner)
    if card.status in errors.PLAIN_SENTENCES:
        return replace(card, face=replace(card.face, sentence=errors.PLAIN_SENTENCES[card.status]))
    return card


def face_of(runner: Runner, now: datetime, floor: int | None = None) -> Face:
    """The runner's card face; `floor` as `polling.effective_interval` takes it."""
    state = getattr(runner, "state", None)
    interval = effective_interval(runner, floor)
    status, sentence = _display_status(runner, state, interval, now)
    version = (
        "none" if state is None else f"{status}-{state.fetched_at and state.fetched_at.timestamp()}"
    )
    return Face(status, sentence, interval, _is_due(state, interval, now), version)


def version_of(runner: Runner) -> str:
    """The version `card_for(runner)` would carry, without the queries and parsing of a card."""
    return face_of(runner, timezone.now()).version


def interval_floor(runners: Sequence[Runner]) -> int:
    """ComfyControl's interval floor, read once for many runners (0 when none uses it)."""
    return comfycontrol_interval_floor() if any(r.uses_comfycontrol for r in runners) else 0


def stretched_interval(runners: Sequence[Runner]) -> int | None:
    """The longest interval that ComfyControl's budget stretched, if it stretched any."""
    floor = interval_floor(runners)
    stretched = [i for r in runners if (i := effective_interval(r, floor)) > r.poll_interval]
    return max(stretched, default=None)


def _stats(runner: Runner) -> RunnerStats | None:
    state = getattr(runner, "state", None)
    return RunnerStats.from_dict(state.stats) if state and state.stats else None


def _sparkline(series: list[float | None] | None) -> SafeString | None:
    """None below two points: one point draws no line, only a dot in an empty box."""
    if series is None or sum(value is not None for value in series) < 2:
        return None
    return charts.sparkline(series, "VRAM used over the last hour")


def _display_status(
    runner: Runner, state: RunnerState | None, interval: int, now: datetime
) -> tuple[str, str]:
    if runner.paused:
        return "paused", "Polling is paused; the last stats stay as they were."
    if state is None or state.fetched_at is None:
        if state is not None and state.lease_until and state.lease_until > now:
            return "refreshing", "Fetching stats for the first time…"
        return "pending", "No stats fetched yet."
    if state.lease_until and state.lease_until > now:
        return "refreshing", "Fetching fresh stats…"
    if state.status == "ok":
        if state.succeeded_at < now - timedelta(seconds=STALE_AFTER_INTERVALS * interval):
            return "stale", "The stats are out of date: the last refresh was a while ago."
        return "ok", ""
    return state.status, _failure_sentence(state, now)


def _failure_sentence(state: RunnerState, now: datetime) -> str:
    sentence = state.error_sentence
    if state.status == "rate_limited" and state.retry_at and state.retry_at > now:
        seconds = int((state.retry_at - now).total_seconds()) + 1
        sentence = f"{sentence} Next try in {seconds} s."
    return sentence


def _is_due(state: RunnerState | None, interval: int, now: datetime) -> bool:
    if state is None or state.fetched_at is None:
        return True
    return state.fetched_at <= now - timedelta(seconds=interval)
