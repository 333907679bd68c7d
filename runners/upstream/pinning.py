"""Connection pools pinned to vetted addresses, in one requests Session per process.

A pool connects to the IP that egress.py vetted while the Host header, SNI and the certificate
check use the name. Pools are kept per scheme, name, port, address and CA file, so the fetches of
one runner reuse one kept-alive connection; a connection whose fetch ran out of time is closed,
never reused. Only egress.py uses this module.
"""

from __future__ import annotations

import functools
import http.client
import http.cookiejar
import os
import socket
import ssl
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

# One idle pool per recently fetched runner address; the oldest is closed beyond this.
_MAX_POOLS = 4096
_CONNECTIONS_PER_POOL = 64  # as many as the collector's workers, so none is dropped when full


@dataclass(frozen=True)
class Pin:
    """What a connection pool is kept for: connections to ip, speaking to host."""

    scheme: str
    host: str
    port: int
    ip: str
    ca_file: str | None


class PinnedRequest(requests.PreparedRequest):
    """A prepared GET that carries the vetted address its pool must connect to."""

    pin: Pin


fetching = threading.local()  # .watch: the deadline of the fetch this thread is running


class _StrictHTTPResponse(http.client.HTTPResponse):
    def _read_next_chunk_size(self) -> int:
        size = super()._read_next_chunk_size()  # type: ignore[misc]
        if size < 0:  # http.client would read on to the end of the connection
            raise ValueError("negative chunk size")
        return int(size)


class _WatchedConnectionMixin:
    """A connection whose socket the current fetch's watch shuts down at the deadline."""

    sock: socket.socket | None
    response_class = _StrictHTTPResponse

    def _new_conn(self) -> socket.socket:
        sock: socket.socket = super()._new_conn()  # type: ignore[misc]
        # A copy of the socket: a TLS handshake detaches the original from its descriptor.
        fetching.watch.track_copy(sock)
        return sock

    def request(self, *args: Any, **kwargs: Any) -> None:
        if self.sock is not None:  # a kept-alive connection, or one connected for TLS
            fetching.watch.track(self.sock)
        super().request(*args, **kwargs)  # type: ignore[misc]


class _WatchedHTTPConnection(_WatchedConnectionMixin, HTTPConnection):
    pass


class _WatchedHTTPSConnection(_WatchedConnectionMixin, HTTPSConnection):
    pass


class _PinnedPoolMixin:
    def _put_conn(self, conn: HTTPConnection | None) -> None:
        watch = getattr(fetching, "watch", None)
        if watch is not None and not watch.release() and conn is not None:
            conn.close()  # the deadline shut its socket down: never reuse it
        super()._put_conn(conn)  # type: ignore[misc]


class _PinnedHTTPPool(_PinnedPoolMixin, HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _PinnedHTTPSPool(_PinnedPoolMixin, HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


def _new_pool(pin: Pin) -> HTTPConnectionPool:
    """A pool that connects to the pinned IP, and for https verifies the certificate of the
    name it sends as SNI."""
    if pin.scheme == "http":
        return _PinnedHTTPPool(pin.ip, pin.port, maxsize=_CONNECTIONS_PER_POOL)
    return _PinnedHTTPSPool(
        pin.ip,
        pin.port,
        maxsize=_CONNECTIONS_PER_POOL,
        server_hostname=pin.host,
        ssl_context=_tls_context(pin.ca_file),
    )


@functools.cache
def _tls_context(ca_file: str | None) -> ssl.SSLContext:
    # Built once per CA file: loading the system store costs ~25 ms.
    return ssl.create_default_context(cafile=ca_file)


class _PinnedAdapter(HTTPAdapter):
    """Sends each request through the pool of its pin, whatever its URL says."""

    def __init__(self) -> None:
        super().__init__(max_retries=0)  # retries belong to polling: they spend budgets
        self._pools: OrderedDict[Pin, HTTPConnectionPool] = OrderedDict()
        self._pools_lock = threading.Lock()

    def get_connection_with_tls_context(
        self, request: requests.PreparedRequest, verify: Any, proxies: Any = None, cert: Any = None
    ) -> HTTPConnectionPool:
        assert isinstance(request, PinnedRequest)
        return self._pool(request.pin)

    def cert_verify(self, conn: Any, url: Any, verify: Any, cert: Any) -> None:
        """Leaves the pool's TLS settings alone: _new_pool chose them."""

    def close(self) -> None:
        super().close()
        with self._pools_lock:
            pools, self._pools = list(self._pools.values()), OrderedDict()
        for pool in pools:
            pool.close()

    def _pool(self, pin: Pin) -> HTTPConnectionPool:
        with self._pools_lock:
            pool = self._pools.get(pin)
            if pool is None:
                pool = self._pools[pin] = _new_pool(pin)
            self._pools.move_to_end(pin)
            oldest = self._pools.popitem(last=False)[1] if len(self._pools) > _MAX_POOLS else None
        if oldest is not None:
            oldest.close()
        return pool


class _Session(requests.Session):
    """No environment, cookies or redirects: a fetch sends what get() prepared, once."""

    def __init__(self) -> None:
        super().__init__()
        self.trust_env = False  # no proxies, netrc or CA bundle from the environment
        self.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
        adapter = _PinnedAdapter()
        self.mount("http://", adapter)
        self.mount("https://", adapter)

    def get_redirect_target(self, resp: requests.Response) -> None:
        # requests reads a redirect's body, uncapped, before deciding not to follow it.
        return None


_sessions: dict[int, _Session] = {}
_sessions_lock = threading.Lock()


def session() -> _Session:
    """This process's session; a forked worker makes its own rather than share sockets."""
    with _sessions_lock:
        pid = os.getpid()
        if pid not in _sessions:
            _sessions[pid] = _Session()
        return _sessions[pid]
