"""ComfyControl's rate limit, and the request log that benchmarks and tests read."""

from __future__ import annotations

import threading
from collections import Counter, defaultdict, deque
from collections.abc import Iterable
from dataclasses import dataclass


class RateLimiter:
    """`limit` requests per `window_s` per client IP; the next one starts `lockout_s` of 429s."""

    def __init__(self, limit: int = 40, window_s: float = 10.0, lockout_s: float = 10.0) -> None:
        self.limit, self.window_s, self.lockout_s = limit, window_s, lockout_s
        self._lock = threading.Lock()
        self._recent: defaultdict[str, deque[float]] = defaultdict(deque)
        self._locked_until: dict[str, float] = {}

    def admit(self, client_ip: str, now: float) -> bool:
        """True if the call may go on; False if it gets a 429 (and may start a lockout)."""
        with self._lock:
            if now < self._locked_until.get(client_ip, float("-inf")):
                return False
            recent = self._recent[client_ip]
            while recent and recent[0] <= now - self.window_s:
                recent.popleft()
            if len(recent) >= self.limit:
                self._locked_until[client_ip] = now + self.lockout_s
                recent.clear()
                return False
            recent.append(now)
            return True

    def reset(self) -> None:
        with self._lock:
            self._recent.clear()
            self._locked_until.clear()


@dataclass(frozen=True, slots=True)
class Hit:
    ts: float  # the fleet clock when the request arrived
    api: str  # "comfycontrol" or "comfyui"
    runner_id: str | None
    status: int  # 0: never answered (hang)


class RequestLog:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._hits: list[Hit] = []

    def record(self, hit: Hit) -> None:
        with self._lock:
            self._hits.append(hit)

    def hits(self, api: str | None = None) -> list[Hit]:
        with self._lock:
            return [hit for hit in self._hits if api is None or hit.api == api]

    def clear(self) -> None:
        with self._lock:
            self._hits.clear()


def window_max(timestamps: Iterable[float], window_s: float) -> int:
    """The most timestamps inside any half-open window [t, t + window_s)."""
    ordered = sorted(timestamps)
    best = start = 0
    for end, ts in enumerate(ordered):
        while ts - ordered[start] >= window_s:
            start += 1
        best = max(best, end - start + 1)
    return best


def tally(hits: Iterable[Hit]) -> dict[str, object]:
    """Counts for /_sim/stats: totals per API, per runner and per status."""
    hits = list(hits)
    per_api = Counter(hit.api for hit in hits)
    statuses: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for hit in hits:
        statuses[hit.api][str(hit.status)] += 1
    return {
        "requests": {
            "total": len(hits),
            **{api: per_api[api] for api in ("comfycontrol", "comfyui")},
        },
        "per_runner": dict(Counter(hit.runner_id for hit in hits if hit.runner_id)),
        "statuses": {api: dict(counts) for api, counts in statuses.items()},
    }
