"""Keep-alive benchmark: CPU per fetch of 1,000 HTTPS direct runners, over the collector's path.

    .venv/bin/python -m bench.keepalive              # 3 passes, 64 workers, 1,000 runners
    .venv/bin/python -m bench.keepalive --passes 2 --runners 200

A child process serves the ComfyUI 0.3.64 fixture bodies over HTTPS and HTTP/1.1 keep-alive on
1,000 loopback ports of 127.0.0.1: a runner is a port, since distinct names would need DNS. Its
trustme certificate names the IP address 127.0.0.1, which is what the client verifies. This
process runs `runners.upstream.comfyui.fetch_stats` for every runner over a thread pool, as the
collector does, and measures its own CPU time (the server's is in the other process) and wall
time per pass, and the TCP connections the server accepted. It stops by itself: a pass has a
time limit and the server dies with this process.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import selectors
import socket
import ssl
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, wait
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import trustme

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "comfyui-0.3.64-cpu"
ROUTES = {
    "/api/system_stats": "system_stats.json",
    "/api/extensions": "extensions.json",
    "/api/queue": "queue.json",
}
PASS_LIMIT_S = 120
# Any Fernet key will do: this benchmark stores nothing.
FIELD_KEY = "YmVuY2gtb25seS1maWVsZC1rZXktMDAwMDAwMDAwMDA="
IDLE_CONNECTION_S = 60  # how long the server keeps an idle connection, as aiohttp's 75 s


# The server (child process)


class FixtureHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = IDLE_CONNECTION_S
    bodies: dict[str, bytes] = {}

    def do_GET(self) -> None:
        body = self.bodies.get(self.path)
        self.send_response(200 if body is not None else 404)
        body = body if body is not None else b"404: Not Found"
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class FixtureServer(ThreadingHTTPServer):
    """Serves connections handed to it by accept_loop, one thread each, TLS done in the thread."""

    daemon_threads = True

    def __init__(self, context: ssl.SSLContext) -> None:
        super().__init__(("127.0.0.1", 0), FixtureHandler)
        self.context = context

    def finish_request(self, request: Any, client_address: Any) -> None:
        with self.context.wrap_socket(request, server_side=True) as tls:
            super().finish_request(tls, client_address)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that went away, or closed an idle connection


def serve(
    listeners: list[socket.socket], cert_pem: bytes, key_pem: bytes, control: Connection
) -> None:
    """Serves the listeners; answers "count" on control with connections accepted so far."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    with tempfile.TemporaryDirectory() as folder:
        cert, key = Path(folder, "cert.pem"), Path(folder, "key.pem")
        cert.write_bytes(cert_pem)
        key.write_bytes(key_pem)
        context.load_cert_chain(cert, key)
    FixtureHandler.bodies = {
        route: (FIXTURES / name).read_bytes() for route, name in ROUTES.items()
    }
    FixtureHandler.bodies["/api/settings/Comfy.DevMode"] = b"null"
    server = FixtureServer(context)
    accepted = [0]
    threading.Thread(target=accept_loop, args=(server, listeners, accepted), daemon=True).start()
    control.send("ready")
    while control.recv() == "count":
        control.send(accepted[0])


def accept_loop(server: FixtureServer, listeners: list[socket.socket], accepted: list[int]) -> None:
    selector = selectors.DefaultSelector()
    for listener in listeners:
        selector.register(listener, selectors.EVENT_READ)
    while True:
        for key, _ in selector.select():
            conn, address = key.fileobj.accept()  # type: ignore[union-attr]
            accepted[0] += 1
            server.process_request(conn, address)


# The client (this process)


def run_pass(urls: list[str], workers: int) -> dict[str, Any]:
    """Fetches every runner once; returns wall and CPU seconds and how many fetches failed."""
    from runners.upstream import comfyui, errors
    from runners.upstream.egress import EgressPolicy, Limits

    policy, limits = EgressPolicy.from_settings(), Limits.from_settings()
    failures: Counter[str] = Counter()
    counting = threading.Lock()

    def fetch(url: str) -> None:
        try:
            comfyui.fetch_stats(url, {}, policy, limits)
        except errors.UpstreamError as error:
            with counting:
                failures[error.code] += 1

    started, cpu_started = time.monotonic(), time.process_time()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        _, pending = wait([pool.submit(fetch, url) for url in urls], timeout=PASS_LIMIT_S)
        for future in pending:
            future.cancel()
    wall, cpu = time.monotonic() - started, time.process_time() - cpu_started
    return {"wall_s": wall, "cpu_s": cpu, "unfinished": len(pending), "failures": dict(failures)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runners", type=int, default=1000)
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--workers", type=int, default=64, help="as `manage.py collect`")
    options = parser.parse_args()

    ca = trustme.CA()
    leaf = ca.issue_cert("127.0.0.1")
    ca_file = Path(tempfile.mkdtemp(prefix="keepalive-")) / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    listeners = [
        socket.create_server(("127.0.0.1", 0), backlog=128) for _ in range(options.runners)
    ]
    ports = [listener.getsockname()[1] for listener in listeners]

    # Forked before Django and the client's threads start; the child inherits the listeners.
    control, child_end = multiprocessing.Pipe()
    server = multiprocessing.Process(
        target=serve,
        args=(listeners, leaf.cert_chain_pems[0].bytes(), leaf.private_key_pem.bytes(), child_end),
        daemon=True,
    )
    multiprocessing.set_start_method("fork")
    server.start()
    for listener in listeners:
        listener.close()
    assert control.recv() == "ready"

    os.environ["EGRESS_ALLOW_LOOPBACK"] = "1"
    os.environ["SSL_CERT_FILE"] = str(ca_file)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "comfyweb.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key")
    os.environ.setdefault("FIELD_ENCRYPTION_KEYS", FIELD_KEY)
    import django

    django.setup()

    urls = [f"https://127.0.0.1:{port}" for port in ports]
    print(
        f"{options.runners} HTTPS direct runners (ports of 127.0.0.1, one certificate for the IP), "
        f"{options.workers} workers, 4 requests a fetch:"
    )
    passes = []
    for number in range(1, options.passes + 1):
        control.send("count")
        before = control.recv()
        figures = run_pass(urls, options.workers)
        control.send("count")
        figures["connections"] = control.recv() - before
        figures["cpu_ms_per_fetch"] = figures["cpu_s"] * 1000 / options.runners
        passes.append(figures)
        print(
            f"  pass {number}: {figures['wall_s']:.2f} s wall, {figures['cpu_s']:.2f} s CPU "
            f"= {figures['cpu_ms_per_fetch']:.2f} ms CPU per fetch, "
            f"{figures['connections']} TCP connections accepted, "
            f"failures {figures['failures'] or 'none'}, unfinished {figures['unfinished']}"
        )
    control.send("stop")
    server.join(timeout=5)
    print(json.dumps({"runners": options.runners, "passes": passes}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
