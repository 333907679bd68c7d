"""Loopback servers that misbehave on purpose, and guards that keep tests off the network."""

from __future__ import annotations

import contextlib
import errno
import http.server
import ipaddress
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

Handler = Callable[[socket.socket, threading.Event], object]


class RawServer:
    """A loopback TCP server that reads each request's head, then lets a handler script the answer.

    The handler gets the connection and an event set when the test ends; the server closes the
    connection when the handler returns and ignores the errors of a client that went away.
    """

    def __init__(self, handler: Handler) -> None:
        self._handler = handler
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)  # how often the accept loop looks for `stopping`
        self.port: int = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        self.accepted = 0
        self.stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stops serving and waits for the handler to return."""
        self.stopping.set()
        self._thread.join(timeout=10)
        self._listener.close()

    def _serve(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            self.accepted += 1
            with conn, contextlib.suppress(OSError):
                conn.settimeout(5)
                _read_head(conn)
                self._handler(conn, self.stopping)


def _read_head(conn: socket.socket) -> None:
    head = b""
    while b"\r\n\r\n" not in head and (data := conn.recv(4096)):
        head += data


@pytest.fixture
def raw_server() -> Iterator[Callable[[Handler], RawServer]]:
    """Starts RawServers on 127.0.0.1; all stop when the test ends."""
    servers: list[RawServer] = []

    def start(handler: Handler) -> RawServer:
        servers.append(RawServer(handler))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def connect_attempts(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Records the (address, port) of every connect; refuses non-loopback ones without a packet."""
    attempts: list[tuple[str, int]] = []
    real_connect = socket.socket.connect

    def connect(sock: socket.socket, address: Any) -> None:
        attempts.append((address[0], address[1]))
        if not ipaddress.ip_address(address[0]).is_loopback:
            raise ConnectionRefusedError(errno.ECONNREFUSED, "refused by the test")
        real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    return attempts


class FakeDns:
    """Answers lookups of the names in `records` (no addresses: the name does not exist)."""

    def __init__(self) -> None:
        self.records: dict[str, list[str]] = {}
        self.lookups: list[str] = []
        self._real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(self, host: str, port: int, *args: Any, **kwargs: Any) -> list[Any]:
        if host not in self.records:
            return self._real_getaddrinfo(host, port, *args, **kwargs)
        self.lookups.append(host)
        if not self.records[host]:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [_address_info(ip, port) for ip in self.records[host]]


def _address_info(ip: str, port: int) -> tuple[Any, ...]:
    if ipaddress.ip_address(ip).version == 6:
        return (socket.AF_INET6, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (ip, port, 0, 0))
    return (socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (ip, port))


@pytest.fixture
def fake_dns(monkeypatch: pytest.MonkeyPatch) -> FakeDns:
    """A resolver for test names, so no lookup leaves the machine; other names resolve as usual."""
    dns = FakeDns()
    monkeypatch.setattr(socket, "getaddrinfo", dns.getaddrinfo)
    return dns


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        return listener.getsockname()[1]


class KeepAliveServer(http.server.ThreadingHTTPServer):
    """A loopback HTTP/1.1 server that keeps connections open and counts those it accepts.

    GET /slow waits until the test ends; GET /big sends more than a megabyte; anything else "ok".
    """

    daemon_threads = True
    request_queue_size = 64  # the listen backlog: tests connect from 40 threads at once

    def __init__(self, context: ssl.SSLContext | None = None) -> None:
        super().__init__(("127.0.0.1", 0), _KeepAliveHandler)
        if context is not None:
            self.socket = context.wrap_socket(self.socket, server_side=True)
        self.accepted = 0
        self.stopping = threading.Event()
        self.port: int = self.server_address[1]
        threading.Thread(target=self.serve_forever, args=(0.05,), daemon=True).start()

    def get_request(self) -> tuple[socket.socket, Any]:
        request = super().get_request()
        self.accepted += 1
        return request

    def stop(self) -> None:
        self.stopping.set()
        self.shutdown()
        self.server_close()


class _KeepAliveHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: KeepAliveServer

    def do_GET(self) -> None:
        if self.path == "/slow":
            self.server.stopping.wait()
            return
        body = b"x" * (2**20 + 1) if self.path == "/big" else b"ok"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def keepalive_server() -> Iterator[Callable[..., KeepAliveServer]]:
    """Starts KeepAliveServers, over TLS when given a context; all stop when the test ends."""
    servers: list[KeepAliveServer] = []

    def start(context: ssl.SSLContext | None = None) -> KeepAliveServer:
        servers.append(KeepAliveServer(context))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


class DripRelay:
    """Relays loopback connections to a port, sending the answers on one byte at a time."""

    def __init__(self, port: int, stopping: threading.Event) -> None:
        self._target = ("127.0.0.1", port)
        self._stopping = stopping
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self.port: int = self._listener.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):
                client, _ = self._listener.accept()
                upstream = socket.create_connection(self._target)
                threading.Thread(target=self._pipe, args=(client, upstream, 0), daemon=True).start()
                threading.Thread(target=self._pipe, args=(upstream, client, 1), daemon=True).start()
        self._listener.close()

    def _pipe(self, source: socket.socket, sink: socket.socket, size: int) -> None:
        with contextlib.suppress(OSError):
            while not self._stopping.is_set() and (data := source.recv(size or 65536)):
                sink.sendall(data)
                if size:
                    self._stopping.wait(0.1)
        for sock in (source, sink):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        source.close()  # the other direction's pipe closes the sink


@pytest.fixture
def drip_relay() -> Iterator[Callable[[int], DripRelay]]:
    """Starts DripRelays in front of loopback ports; all stop when the test ends."""
    stopping = threading.Event()
    yield lambda port: DripRelay(port, stopping)
    stopping.set()
