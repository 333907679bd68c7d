"""Simulated dashboard viewers that poll the page the way htmx 2 does in a browser.

A viewer logs in, loads the dashboard once, then polls the page's one poller (`<div id="poller"
hx-get=… hx-trigger="every Ns, …" hx-sync="this:drop">`). Like htmx 2:
- `every Ns` re-arms when it fires, not when the answer comes;
- `hx-sync="this:drop"`: a tick that fires while the poll is in flight is dropped;
- a 204 swaps nothing: the poller keeps its cadence;
- a 200 swaps its out-of-band pieces (changed cards or rows, the strip, a new poller, or the whole
  grid with a new poller inside): the old poller's timer stops, the new one's starts now.
One poll at a time needs one connection (a browser allows 6 per host on HTTP/1.1).
"""

from __future__ import annotations

import html
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import requests
from requests.adapters import HTTPAdapter
from urllib3.util import Retry

CONNECTIONS = 1
TIMEOUT_S = (5.0, 60.0)  # connect, read: generous, so that overload shows as latency
POLLER = re.compile(r'<div\b[^>]*\bid="poller"[^>]*>')
FRAGMENT = re.compile(r"<(article|tr)\b([^>]*)>(.*?)</\1>", re.S)
ATTRIBUTE = re.compile(r'([\w:-]+)="([^"]*)"')
EVERY = re.compile(r"every\s+(\d+(?:\.\d+)?)s")
# When the data a fragment shows was fetched: a card's "Data from", a table row's age cell. A card
# shows other times first (its uptime's "observed since", "down since"), which a fetch leaves.
DATA_TS = re.compile(r'(?:Data from |<td class="muted">)<time data-ts="(\d+)"')
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
class Poller:
    url: str
    every_s: float


@dataclass(frozen=True)
class Fragment:
    """What a card or table row shows that the benchmark reads."""

    key: str  # "card-12" or "row-12"
    status: str
    data_ts: int | None  # when its data was fetched (whole epoch seconds); None if never
    upstream_ms: int | None


@dataclass(frozen=True)
class Change:
    """A healthy fragment whose data a poll brought newer than what the page showed."""

    key: str
    previous_ts: int
    data_ts: int
    upstream_ms: int | None


@dataclass(frozen=True)
class Sample:
    viewer: int
    kind: str  # "dashboard" or "poll"
    reason: str  # "page", "every" or "probe"
    due: float  # monotonic time the trigger fired
    sent: float  # monotonic time the request left
    done: float
    sent_epoch: float
    done_epoch: float
    status: int  # HTTP status; -1 for a connection error or timeout
    fragments: int = 0  # cards or rows in the answer
    whole_grid: bool = False
    changes: tuple[Change, ...] = ()
    dropped: int = 0  # ticks dropped while this poll was in flight (hx-sync="this:drop")

    @property
    def latency_ms(self) -> float:
        return (self.done - self.sent) * 1000

    @property
    def wait_ms(self) -> float:
        """Time from the trigger to the request leaving (this process's own scheduling)."""
        return (self.sent - self.due) * 1000


def parse_poller(page: str) -> Poller | None:
    """The page's poller, from a page, a whole grid or a poll's out-of-band pieces."""
    tag = POLLER.search(page)
    if tag is None:
        return None
    attributes = {name: html.unescape(value) for name, value in ATTRIBUTE.findall(tag[0])}
    every = EVERY.search(attributes.get("hx-trigger", ""))
    if "hx-get" not in attributes or every is None:
        return None
    return Poller(attributes["hx-get"], float(every[1]))


def parse_fragments(page: str) -> dict[str, Fragment]:
    """Every card or table row in a page or a poll's answer, by element id."""
    found = {}
    for _, opening, inner in FRAGMENT.findall(page):
        attributes = dict(ATTRIBUTE.findall(opening))
        key = attributes.get("id", "")
        if not key.startswith(("card-", "row-")):
            continue
        stamp, latency = DATA_TS.search(inner), LATENCY.search(inner)
        found[key] = Fragment(
            key,
            attributes.get("data-status", ""),
            int(stamp[1]) if stamp else None,
            int(latency[1]) if latency else None,
        )
    return found


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


class Viewer:
    """One browser tab on the dashboard, from `start_at` to `end_at` (monotonic seconds)."""

    def __init__(
        self,
        index: int,
        base_url: str,
        session: requests.Session,
        record: Callable[[Sample], None],
        path: str = "/",
    ) -> None:
        self.index, self.base_url, self.session, self.record = index, base_url, session, record
        self.path = path
        self._shown: dict[str, Fragment] = {}

    def run(self, start_at: float, end_at: float) -> None:
        """Open the page at `start_at`, then follow its poller until `end_at`."""
        time.sleep(max(0.0, start_at - time.monotonic()))
        sample, body = self._get(self.path, "dashboard", "page", time.monotonic())
        self.record(sample)
        poller = parse_poller(body) if sample.status == 200 else None
        if poller is None:
            return
        self._shown = parse_fragments(body)
        due = sample.done + poller.every_s
        while due < end_at:
            time.sleep(max(0.0, due - time.monotonic()))
            sample, body = self._get(poller.url, "poll", "every", due)
            fresh = parse_poller(body) if sample.status == 200 else None
            if fresh is not None:  # the old poller is gone: its timer stops, the new one starts
                poller, due = fresh, sample.done + fresh.every_s
            else:
                due += poller.every_s
            dropped = 0
            while due <= sample.done:  # ticks that fired while the poll was in flight
                due, dropped = due + poller.every_s, dropped + 1
            self.record(replace(sample, dropped=dropped))

    def _get(self, url: str, kind: str, reason: str, due: float) -> tuple[Sample, str]:
        # A page load is a plain request; only htmx's polls carry HX-Request.
        headers = {"HX-Request": "true"} if kind == "poll" else {}
        sent, sent_epoch = time.monotonic(), time.time()
        try:
            response = self.session.get(f"{self.base_url}{url}", headers=headers, timeout=TIMEOUT_S)
            status, body = response.status_code, response.text
        except requests.RequestException:
            status, body = -1, ""
        done, done_epoch = time.monotonic(), time.time()
        sample = Sample(self.index, kind, reason, due, sent, done, sent_epoch, done_epoch, status)
        if kind == "poll" and status == 200:
            sample = self._swapped(sample, body)
        return sample, body

    def _swapped(self, sample: Sample, body: str) -> Sample:
        """The sample with what the answer swapped in; the page now shows it."""
        fragments = parse_fragments(body)
        changes = []
        for key, fragment in fragments.items():
            previous_ts = getattr(self._shown.get(key), "data_ts", None)
            now_ts = fragment.data_ts
            if fragment.status == "ok" and previous_ts and now_ts and now_ts > previous_ts:
                changes.append(Change(key, previous_ts, now_ts, fragment.upstream_ms))
        self._shown.update(fragments)
        return replace(
            sample,
            fragments=len(fragments),
            whole_grid='id="grid"' in body,
            changes=tuple(changes),
        )


class DashboardProbe:
    """Loads the dashboard every `every_s` seconds: the dashboard's latency under the poll load."""

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
                Sample(-1, "dashboard", "probe", due, sent, done, sent_epoch, time.time(), status)
            )
            due = max(due + self.every_s, done)
