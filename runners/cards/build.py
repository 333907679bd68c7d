"""What a runner card shows: the state row turned into a display status, stats and a sparkline.

One card for every page: a team page and a share page differ only in the card's audience,
which decides its poll URL, whether it links to the runner page and how much its sentence says.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property

from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString

from runners import charts
from runners.history import uptime
from runners.history.sparklines import vram_sparklines
from runners.links import runner_url
from runners.models import Runner, RunnerState
from runners.polling import comfycontrol_interval_floor, effective_interval
from runners.stats import RunnerStats
from runners.status import Status
from runners.units import DAY

STALE_AFTER_INTERVALS = 3


@dataclass(frozen=True)
class Audience:
    """Who a card is for: team members, with the teams where they may refresh runners, or
    whoever holds a share link (`share_token`), who sees no host names and no team."""

    refreshable_team_ids: frozenset[int] = frozenset()
    share_token: str | None = None

    @classmethod
    def members(cls, refreshable_team_ids: Collection[int] = ()) -> Audience:
        return cls(refreshable_team_ids=frozenset(refreshable_team_ids))

    @classmethod
    def public(cls, share_token: str) -> Audience:
        return cls(share_token=share_token)

    @property
    def is_public(self) -> bool:
        return self.share_token is not None

    def may_refresh(self, runner: Runner) -> bool:
        return runner.team_id in self.refreshable_team_ids


@dataclass(frozen=True)
class Face:
    """What a card shows that takes no query: its status, its sentence and how it polls.

    With the runner's own fields and the audience, this is all that can change on a card
    between two fetches: the render cache keys rendered cards by it.
    """

    status: Status
    sentence: str
    interval: int
    version: str  # changes with every fetch and status


@dataclass(frozen=True)
class Card:
    runner: Runner
    audience: Audience
    state: RunnerState | None
    stats: RunnerStats | None
    face: Face
    sparkline: SafeString | None
    uptime: uptime.Uptime | None = None  # over the last 24 h

    @property
    def status(self) -> Status:
        return self.face.status

    @property
    def sentence(self) -> str:
        return self.face.sentence

    @property
    def interval(self) -> int:
        return self.face.interval

    @property
    def is_public(self) -> bool:
        return self.audience.is_public

    @property
    def needs_attention(self) -> bool:
        """Failing or stale: the card is marked so that it stands out in a grid."""
        return self.status.tone in ("warn", "bad")

    @property
    def can_refresh(self) -> bool:
        return self.audience.may_refresh(self.runner)

    @cached_property
    def link_url(self) -> str | None:
        """The runner's page, for members; a share page links nowhere."""
        if self.is_public:
            return None
        return runner_url("runner", self.runner.team.slug, self.runner.slug)

    @property
    def refresh_url(self) -> str:
        return runner_url("refresh", self.runner.team.slug, self.runner.slug)

    @cached_property
    def drift(self) -> tuple[str, str] | None:
        """How the runner differs from its team's setup, and a link to why; members only."""
        found = None if self.is_public else drift_of(self.runner)
        if not found:
            return None
        sentence, ts = found
        url = reverse("intel-baseline", args=[self.runner.team.slug])
        if ts is not None:
            url = f"{runner_url('runner', self.runner.team.slug, self.runner.slug)}#change-{ts}"
        return sentence, url

    @property
    def is_stretched(self) -> bool:
        return self.interval > self.runner.poll_interval


def cards_for(runners: Sequence[Runner], audience: Audience) -> list[Card]:
    """Cards for runners loaded with `select_related("team", "state")`, in three extra queries."""
    if not runners:
        return []  # a warm page's usual case: building even empty history queries costs ms
    now = timezone.now()
    runner_ids = [r.pk for r in runners]
    floor = interval_floor(runners)
    sparklines = vram_sparklines(runner_ids, int(now.timestamp()))
    uptimes = uptime.availability(runner_ids, [DAY], int(now.timestamp()))
    return [
        Card(
            runner=runner,
            audience=audience,
            state=getattr(runner, "state", None),
            stats=_stats(runner),
            face=face_of(runner, now, audience, floor),
            sparkline=_sparkline(sparklines.get(runner.pk)),
            uptime=uptimes.get(runner.pk, [None])[0],
        )
        for runner in runners
    ]


def face_of(runner: Runner, now: datetime, audience: Audience, floor: int | None = None) -> Face:
    """The runner's card face; `floor` as `polling.effective_interval` takes it."""
    state = getattr(runner, "state", None)
    interval = effective_interval(runner, floor)
    status, sentence = _display_status(runner, state, interval, now)
    if audience.is_public and (status.is_failing or status == Status.PAUSED):
        # A failure's own sentence may name the runner's host; a pause's, a member.
        sentence = status.sentence
    version = (
        "none" if state is None else f"{status}-{state.fetched_at and state.fetched_at.timestamp()}"
    )
    return Face(status, sentence, interval, version)


def drift_of(runner: Runner) -> tuple[str, int | None] | None:
    """The runner's stored drift sentence and the change behind it, or None."""
    software = getattr(runner, "software", None)
    return (software.drift, software.drift_change_ts) if software and software.drift else None


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
) -> tuple[Status, str]:
    if runner.paused:
        # Who paused it and when, written with the pause (teams/bookmarks.py).
        paused_by = state is not None and state.status == Status.PAUSED and state.error_sentence
        return Status.PAUSED, paused_by or Status.PAUSED.sentence
    if runner.removed_at:
        return Status.REMOVED, Status.REMOVED.sentence
    # Only a first fetch shows: later ones keep the last state until they end, so that a
    # fetch changes a page once.
    if state is None or state.fetched_at is None:
        if state is not None and state.lease_until is not None and state.lease_until > now:
            return Status.REFRESHING, Status.REFRESHING.sentence
        return Status.PENDING, Status.PENDING.sentence
    if state.status == Status.OK:
        if state.succeeded_at < now - timedelta(seconds=STALE_AFTER_INTERVALS * interval):
            return Status.STALE, Status.STALE.sentence
        return Status.OK, ""
    status = Status(state.status)
    return status, _failure_sentence(state, now) or status.sentence


def _failure_sentence(state: RunnerState, now: datetime) -> str:
    sentence = state.error_sentence
    if state.status == Status.RATE_LIMITED and state.retry_at and state.retry_at > now:
        seconds = int((state.retry_at - now).total_seconds()) + 1
        sentence = f"{sentence} Next try in {seconds} s."
    return sentence
