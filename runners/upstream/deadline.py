"""Total deadlines for fetches: at its deadline, a fetch's sockets are shut down.

A socket read timeout alone lets a server that drips one byte at a time keep a fetch going for
ever; shutting the socket down wakes whatever read is waiting on it. One watchdog thread per
process serves every fetch.
"""

from __future__ import annotations

import heapq
import itertools
import os
import socket
import threading
import time
from contextlib import suppress


class Watch:
    """One fetch's deadline and the sockets it is using; shared with the watchdog thread."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._copies: list[socket.socket] = []  # duplicates this watch made, and must close
        self._state = "running"

    def track(self, sock: socket.socket) -> None:
        """Shuts sock down at the deadline, or now if the deadline has passed."""
        with self._lock:
            if self._state == "running":
                self._sockets.append(sock)
                return
        _shut_down(sock)

    def track_copy(self, sock: socket.socket) -> None:
        """As track, through a duplicate of sock that outlives sock's own descriptor."""
        copy = sock.dup()
        with self._lock:
            self._copies.append(copy)
        self.track(copy)

    def release(self) -> bool:
        """Leaves the sockets alone from now on (their connection went back to its pool);
        returns False if the deadline already shut them down."""
        with self._lock:
            self._forget()
            return self._state != "expired"

    def expire(self) -> None:
        """Shuts down the sockets of a fetch still running; called by the watchdog."""
        with self._lock:
            if self._state != "running":
                return
            self._state = "expired"
            for sock in self._sockets:
                _shut_down(sock)
            self._forget()

    def finish(self) -> bool:
        """Ends the watch; returns False if the deadline came first."""
        with self._lock:
            if self._state == "running":
                self._state = "finished"
            self._forget()
            return self._state == "finished"

    @property
    def expired(self) -> bool:
        return self._state == "expired"

    def _forget(self) -> None:
        for copy in self._copies:
            copy.close()
        self._sockets, self._copies = [], []


def _shut_down(sock: socket.socket) -> None:
    # The plain socket's shutdown, also for TLS: SSLSocket.shutdown would drop its TLS state
    # under a read running in another thread.
    with suppress(OSError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


class _Watchdog:
    """A thread that expires watches at their deadlines, earliest first."""

    def __init__(self) -> None:
        self._due: list[tuple[float, int, Watch]] = []
        self._order = itertools.count()
        self._wakeup = threading.Condition()
        threading.Thread(target=self._run, name="egress-watchdog", daemon=True).start()

    def add(self, watch: Watch) -> None:
        with self._wakeup:
            heapq.heappush(self._due, (watch.deadline, next(self._order), watch))
            if self._due[0][2] is watch:
                self._wakeup.notify()

    def _run(self) -> None:
        while True:
            self._next_due().expire()

    def _next_due(self) -> Watch:
        with self._wakeup:
            while True:
                wait = self._due[0][0] - time.monotonic() if self._due else None
                if wait is not None and wait <= 0:
                    return heapq.heappop(self._due)[2]
                self._wakeup.wait(wait)


_watchdogs: dict[int, _Watchdog] = {}
_watchdogs_lock = threading.Lock()


def watch(deadline: float) -> Watch:
    """A watch that shuts the sockets it tracks down at deadline (a time.monotonic() value)."""
    new = Watch(deadline)
    _watchdog().add(new)
    return new


def _watchdog() -> _Watchdog:
    # One per process id: a forked worker does not inherit its parent's thread.
    with _watchdogs_lock:
        pid = os.getpid()
        if pid not in _watchdogs:
            _watchdogs[pid] = _Watchdog()
        return _watchdogs[pid]
