"""The simulator over real HTTP: one loopback port for ComfyControl, ComfyUI runners and /_sim/.

HTTP/1.1 with keep-alive: every answer declares its Content-Length, except huge_chunked, which
is chunked; an answer cut short (hang, drip, huge, a client that hangs up) closes its connection.
"""

from __future__ import annotations

import select
import socket
import socketserver
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from simulator import bodies, comfycontrol_api, comfyui_api, control_api
from simulator.exchange import Outcome, Request, Routed
from simulator.fleet import Fleet, direct_base_url

HOST = "127.0.0.1"
HUGE_BODY_BYTES = 100 * 1024 * 1024
HUGE_PREFIX = b'{"system": {"os": "posix", "padding": "'
HUGE_SUFFIX = b'"}, "devices": []}'
PAD = b"x" * (256 * 1024)
MAX_REQUEST_BODY = 1024 * 1024

ROUTERS: tuple[tuple[str, Callable[[Fleet, Request], Routed]], ...] = (
    ("/v1/", comfycontrol_api.route),
    ("/comfyui/", comfyui_api.route),
    ("/_sim/", control_api.route),
)


class SimulatorServer:
    """A fleet served on one port: ComfyControl at base_url, runners at direct_base_url().

    Binds at construction to host (loopback unless told), port 0 picks a free one; use as a
    context manager or start()/stop().
    """

    def __init__(self, fleet: Fleet | None = None, *, port: int = 0, host: str = HOST) -> None:
        self.fleet = fleet if fleet is not None else Fleet.generate()
        self._httpd = _HTTPServer(host, port, self.fleet)
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return self._httpd.base_url

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    def direct_base_url(self, runner_id: str) -> str:
        return direct_base_url(self.base_url, runner_id)

    def start(self) -> SimulatorServer:
        """Serve from a daemon thread; returns self."""
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.5}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; hanging and dripping answers end and open connections are closed."""
        self._httpd.closing.set()
        if self._thread is not None:
            stopper = threading.Thread(target=self._httpd.shutdown)
            stopper.start()
            while stopper.is_alive():
                self._wake()
                stopper.join(0.01)
            self._thread.join()
            self._thread = None
        self._httpd.close_connections()
        self._httpd.server_close()

    def _wake(self) -> None:
        # A connection ends serve_forever's select() now rather than after its poll interval.
        address = (self._httpd.server_name, self.port)
        with suppress(OSError), socket.create_connection(address, timeout=0.1):
            pass

    def __enter__(self) -> SimulatorServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # a hanging or dripping answer must not hold up stop()
    request_queue_size = 1024  # the fleet benchmark opens hundreds of connections at once

    def __init__(self, host: str, port: int, fleet: Fleet) -> None:
        self.fleet = fleet
        self.closing = threading.Event()
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        self.host = host
        super().__init__((host, port), _Handler)
        self.base_url = f"http://{host}:{self.server_address[1]}"

    def server_bind(self) -> None:
        # HTTPServer.server_bind would look up the host's FQDN, a DNS call we never need.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.host, int(self.server_address[1])

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self._connections_lock:
                self._connections.discard(request)

    def close_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exception(), OSError):
            return  # a client that hung up mid-answer: expected with hang, drip and huge
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ComfySim/1.0"
    sys_version = ""
    timeout = 30  # an idle keep-alive connection gives its thread back
    server: _HTTPServer
    _pending: tuple[Routed, float] | None = None  # the hit to record once the status is known

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes: without this, Nagle's algorithm and the
        # client's delayed ACK add ~40 ms to every keep-alive answer.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        return  # counts live in Fleet; a line per request would swamp a benchmark's output

    def _serve(self) -> None:
        fleet = self.server.fleet
        arrival = fleet.clock()
        routed = self._route(fleet)
        self._pending = (routed, arrival) if routed.api else None
        try:
            if routed.latency_ms:
                self.server.closing.wait(routed.latency_ms / 1000)
            self._deliver(routed)
        except OSError:
            self.close_connection = True

    def _route(self, fleet: Fleet) -> Routed:
        url = urlsplit(self.path)
        request = Request(
            method=self.command,
            path=url.path,
            query=dict(parse_qsl(url.query)),
            headers={name.lower(): value for name, value in self.headers.items()},
            client_ip=self.client_address[0],
            base_url=self.server.base_url,
            body=self._read_body(),
        )
        for prefix, route in ROUTERS:
            if url.path.startswith(prefix):
                return route(fleet, request)
        return Routed(comfyui_api.NOT_FOUND)

    def _read_body(self) -> bytes:
        try:
            length = int(self.headers.get("Content-Length", 0))
        except ValueError:
            length = 0
        if length > MAX_REQUEST_BODY:
            self.close_connection = True
            return b""
        return self.rfile.read(length) if length > 0 else b""

    def _deliver(self, routed: Routed) -> None:
        name, _, code = routed.mode.partition(":")
        match name:
            case "status":
                self._send(routed.error(int(code)))
            case "hang":
                self._hang()
            case "drip":
                self._drip(routed.outcome)
            case "garbage":
                self._send(Outcome(200, bodies.GARBAGE))
            case "wrong_shape":
                self._send(Outcome.json(200, bodies.wrong_shape(routed.runner_id or self.path)))
            case "huge" | "huge_chunked":
                self._huge(chunked=name == "huge_chunked")
            case _:  # ok, and hostile, whose bodies are hostile already
                self._send(routed.outcome)

    def _send(self, outcome: Outcome) -> None:
        bodiless = outcome.status in {204, 304}
        self._head(outcome.status, outcome.content_type, None if bodiless else len(outcome.body))
        if not bodiless:
            self.wfile.write(outcome.body)

    def _head(
        self, status: int, content_type: str, length: int | None, *, chunked: bool = False
    ) -> None:
        self._record(status)
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        elif length is not None:
            self.send_header("Content-Length", str(length))
        self.end_headers()

    def _record(self, status: int) -> None:
        if self._pending is not None:
            routed, arrival = self._pending
            self.server.fleet.record(routed.api or "", routed.runner_id, status, arrival)
            self._pending = None

    def _hang(self) -> None:
        self._record(0)
        self.close_connection = True
        while not self.server.closing.wait(0.25) and not self._client_gone():
            pass

    def _client_gone(self) -> bool:
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            return bool(readable) and self.connection.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True

    def _drip(self, outcome: Outcome) -> None:
        self._head(outcome.status, outcome.content_type, len(outcome.body))
        self.close_connection = True
        for i in range(len(outcome.body)):
            self.wfile.write(outcome.body[i : i + 1])
            if self.server.closing.wait(1.0):
                return

    def _huge(self, *, chunked: bool) -> None:
        self._head(200, "application/json", HUGE_BODY_BYTES, chunked=chunked)
        self.close_connection = True
        for piece in _huge_pieces():
            if self.server.closing.is_set():
                return
            if chunked:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            else:
                self.wfile.write(piece)
        if chunked:
            self.wfile.write(b"0\r\n\r\n")


def _huge_pieces() -> Iterator[bytes]:
    """A 100 MB JSON document in 256 KiB pieces, without ever holding it whole."""
    yield HUGE_PREFIX
    full, rest = divmod(HUGE_BODY_BYTES - len(HUGE_PREFIX) - len(HUGE_SUFFIX), len(PAD))
    for _ in range(full):
        yield PAD
    if rest:
        yield PAD[:rest]
    yield HUGE_SUFFIX
