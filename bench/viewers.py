"""Simulated dashboard viewers that poll cards the way htmx does in a browser.

A viewer logs in, loads the dashboard once, then polls every card's `hx-get` URL on the card's
own `hx-trigger` ("load, every 2s" / "every 10s"). Like htmx 2:
- `every Ns` re-arms when it fires, not when the answer comes;
- a 200 swaps the card (outerHTML): the old timers stop, the new card's triggers start now;
- a 204 or an error swaps nothing: the timer keeps its cadence;
- a trigger that fires while the card's request is in flight queues one more request ("last").
Like a browser on HTTP/1.1, a viewer has at most CONNECTIONS requests in flight; the rest wait.
"""

from __future__ import annotations

import heapq
import html
import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from urllib.parse import parse_qs, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util import Retry

CONNECTIONS = 6  # Chromium's limit per host on HTTP/1.1
TIMEOUT_S = (5.0, 60.0)  # connect, read: generous, so that overload shows as latency
ARTICLE = re.compile(r"<article\b[^>]*>")
ATTRIBUTE = re.compile(r'([\w:-]+)="([^"]*)"')
EVERY = re.compile(r"every\s+(\d+(?:\.\d+)?)s")
LATENCY = re.compile(r"<dt>Latency</dt><dd>(\d+) ms</dd>")
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class _RetryCount(logging.Handler):
    """Counts urllib3's "Retrying ..." warnings instead of printing one line per retry."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += record.getMessage().startswith("Retrying")


RETRIES = _RetryCount()
_pool_log = logging.getLogger("urllib3.connectionpool")
_pool_log.addHandler(RETRIES)
_pool_log.propagate = False


@dataclass(frozen=True)
class CardTag:
    """What a card's opening tag tells the browser to do."""

    key: str
    url: str
    every_s: float
    load: bool
    status: str
    fetched_at: float | None  # from the version in the URL; None before the first fetch


@dataclass(frozen=True)
class Sample:
    viewer: int
    kind: str  # "dashboard" or "card"
    card: str
    reason: str  # "page", "load", "every" or "queued"
    due: float  # monotonic time the trigger fired
    sent: float  # monotonic time the request left (after waiting for a free connection)
    done: float
    sent_epoch: float
    status: int  # HTTP status; -1 for a connection error or timeout
    card_status: str | None = None
    fetched_at: float | None = None
    upstream_ms: int | None = None
    error: str = ""  # the exception's class when status is -1

    @property
    def latency_ms(self) -> float:
        return (self.done - self.sent) * 1000

    @property
    def wait_ms(self) -> float:
        """Time the request waited for one of the viewer's connections."""
        return (self.sent - self.due) * 1000


def parse_cards(page: str) -> list[CardTag]:
    """Every polling card in a dashboard page or a card fragment."""
    cards = []
    for tag in ARTICLE.findall(page):
        attributes = {name: html.unescape(value) for name, value in ATTRIBUTE.findall(tag)}
        if "hx-get" in attributes and "hx-trigger" in attributes:
            cards.append(_card_tag(attributes))
    return cards


def _card_tag(attributes: dict[str, str]) -> CardTag:
    trigger = attributes["hx-trigger"]
    every = EVERY.search(trigger)
    url = attributes["hx-get"]
    version = parse_qs(urlsplit(url).query).get("v", [""])[0]
    stamp = version.rpartition("-")[2]
    return CardTag(
        key=attributes.get("id", url),
        url=url,
        every_s=float(every[1]) if every else 0.0,
        load="load" in (part.strip() for part in trigger.split(",")),
        status=attributes.get("data-status", ""),
        fetched_at=float(stamp) if stamp.replace(".", "", 1).isdigit() else None,
    )


def login(base_url: str, username: str, password: str) -> requests.Session:
    """A session logged in through /login/ with its CSRF token; raises RuntimeError."""
    session = requests.Session()
    # One retry when a kept-alive connection turns out closed, as browsers do for a GET.
    retry = Retry(total=1, connect=1, read=1, other=1, status=0, raise_on_status=False)
    adapter = HTTPAdapter(pool_connections=1, pool_maxsize=CONNECTIONS, max_retries=retry)
    session.mount("http://", adapter)
    form = session.get(f"{base_url}/login/", timeout=TIMEOUT_S)
    token = CSRF_INPUT.search(form.text)
    if token is None:
        raise RuntimeError(f"no CSRF token on /login/ (HTTP {form.status_code})")
    answer = session.post(
        f"{base_url}/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": token[1]},
        headers={"Referer": f"{base_url}/login/"},
        allow_redirects=False,
        timeout=TIMEOUT_S,
    )
    if answer.status_code != 302:
        raise RuntimeError(f"login of {username} failed: HTTP {answer.status_code}")
    return session


@dataclass
class _Card:
    tag: CardTag
    generation: int = 0
    in_flight: bool = False
    queued: bool = False


@dataclass(order=True)
class _Timer:
    due: float
    seq: int
    key: str = field(compare=False)
    generation: int = field(compare=False)
    reason: str = field(compare=False)


class Viewer:
    """One browser tab on the dashboard, from `start_at` to `end_at` (monotonic seconds)."""

    def __init__(
        self,
        index: int,
        base_url: str,
        session: requests.Session,
        record: Callable[[Sample], None],
    ) -> None:
        self.index, self.base_url, self.session, self.record = index, base_url, session, record
        self._cards: dict[str, _Card] = {}
        self._timers: list[_Timer] = []
        self._seq = 0
        self._changed = threading.Condition()
        self._end_at = 0.0

    def run(self, start_at: float, end_at: float) -> None:
        """Open the dashboard at `start_at`, then poll cards until `end_at`."""
        self._end_at = end_at
        time.sleep(max(0.0, start_at - time.monotonic()))
        sample, body = self._get("/", "dashboard", "page", "page", time.monotonic())
        if sample.status != 200:
            return
        with self._changed:
            for tag in parse_cards(body):
                self._swap_in(tag, sample.done)
        workers = [threading.Thread(target=self._work, daemon=True) for _ in range(CONNECTIONS)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(max(0.0, end_at - time.monotonic()) + TIMEOUT_S[1] + 5)

    def _work(self) -> None:
        while (timer := self._next_due()) is not None:
            card = self._cards[timer.key]
            sample, body = self._get(card.tag.url, "card", timer.key, timer.reason, timer.due)
            self._settle(card, sample, body)

    def _next_due(self) -> _Timer | None:
        """The next trigger whose card is free, waiting for it; None when the run is over."""
        with self._changed:
            while True:
                now = time.monotonic()
                if now >= self._end_at:
                    return None
                if self._timers and self._timers[0].due <= now:
                    timer = heapq.heappop(self._timers)
                    if self._fire(timer):
                        return timer
                    continue
                wait = self._timers[0].due - now if self._timers else self._end_at - now
                self._changed.wait(min(wait, self._end_at - now))

    def _fire(self, timer: _Timer) -> bool:
        """Apply one trigger; True if it sends a request now."""
        card = self._cards[timer.key]
        if timer.generation != card.generation:
            return False  # the card was swapped: its old element's timers are gone
        if timer.reason == "every":
            self._push(timer.due + card.tag.every_s, timer.key, "every")
        if card.in_flight:
            card.queued = True
            return False
        card.in_flight = True
        return True

    def _settle(self, card: _Card, sample: Sample, body: str) -> None:
        with self._changed:
            card.in_flight = False
            fresh = parse_cards(body) if sample.status == 200 else []
            if fresh:
                card.generation += 1
                self._swap_in(fresh[0], sample.done, card)
            elif card.queued:
                self._push(sample.done, card.tag.key, "queued")
            card.queued = False
            self._changed.notify_all()

    def _swap_in(self, tag: CardTag, now: float, card: _Card | None = None) -> None:
        if card is None:
            card = self._cards[tag.key] = _Card(tag)
        card.tag = tag
        if tag.load:
            self._push(now, tag.key, "load")
        if tag.every_s > 0:
            self._push(now + tag.every_s, tag.key, "every")

    def _push(self, due: float, key: str, reason: str) -> None:
        self._seq += 1
        heapq.heappush(
            self._timers, _Timer(due, self._seq, key, self._cards[key].generation, reason)
        )

    def _get(self, url: str, kind: str, card: str, reason: str, due: float) -> tuple[Sample, str]:
        # A page load is a plain request; only htmx's card polls carry HX-Request.
        headers = {"HX-Request": "true"} if kind == "card" else {}
        sent, sent_epoch = time.monotonic(), time.time()
        try:
            response = self.session.get(f"{self.base_url}{url}", headers=headers, timeout=TIMEOUT_S)
            status, body = response.status_code, response.text
        except requests.RequestException:
            status, body = -1, ""
        sample = Sample(
            self.index, kind, card, reason, due, sent, time.monotonic(), sent_epoch, status
        )
        if kind == "card" and status == 200:
            sample = _with_card(sample, body)
        self.record(sample)
        return sample, body


def _with_card(sample: Sample, body: str) -> Sample:
    """The sample with what the returned card shows: status, data age, upstream latency."""
    tags = parse_cards(body)
    if not tags:
        return sample
    latency = LATENCY.search(body)
    return replace(
        sample,
        card_status=tags[0].status,
        fetched_at=tags[0].fetched_at,
        upstream_ms=int(latency[1]) if latency else None,
    )


class DashboardProbe:
    """Loads the dashboard every `every_s` seconds: the dashboard's latency under the card load."""

    def __init__(
        self,
        base_url: str,
        session: requests.Session,
        record: Callable[[Sample], None],
        every_s: float,
    ) -> None:
        self.base_url, self.session, self.record, self.every_s = base_url, session, record, every_s

    def run(self, start_at: float, end_at: float) -> None:
        due = start_at
        while due < end_at:
            time.sleep(max(0.0, due - time.monotonic()))
            sent, sent_epoch = time.monotonic(), time.time()
            try:
                status = self.session.get(f"{self.base_url}/", timeout=TIMEOUT_S).status_code
            except requests.RequestException:
                status = -1
            done = time.monotonic()
            self.record(
                Sample(-1, "dashboard", "page", "probe", due, sent, done, sent_epoch, status)
            )
            due = max(due + self.every_s, done)
