"""A hostile runner: worker memory while fetching its bodies, and the size and time of its pages.

    .venv/bin/python -m bench.hostile

Runs in-process in a few seconds against a fresh SQLite file (bench/results/hostile.sqlite3,
deleted at the end) and a loopback server that answers with bodies up to the 4 MiB cap. Memory
is tracemalloc's peak above what was allocated before the call; figures go to
bench/results/hostile.json. Budgets (DESIGN.md): a fetch at most twice the body cap; the runner
page at most 200 KB and 50 ms.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import sys
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from bench.common import HOST

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DATABASE = RESULTS / "hostile.sqlite3"
MIB = 1024 * 1024
REPEAT = 10


def bodies() -> dict[str, dict[str, bytes]]:
    """Each scenario's answers by route; routes left out answer with a small valid body."""
    long_paths = [f"/extensions/pack-{i}-{'p' * 100}/{'f' * 60}.js" for i in range(20_000)]
    short_strings = [f"/extensions/p{i % 50}/{i}.js" for i in range(49_000)]
    return {
        "20,000 extension paths of ~190 chars (accepted, 2,000 kept)": {
            "/api/extensions": json.dumps(long_paths).encode()
        },
        "49,000 short extension paths (accepted, 2,000 kept)": {
            "/api/extensions": json.dumps(short_strings).encode()
        },
        "1.3 million empty objects in system_stats (refused)": {
            "/api/system_stats": _stats_with("[" + ",".join(["{}"] * 1_300_000) + "]")
        },
        "nesting 5,000 deep (refused)": {"/api/system_stats": _stats_with("[" * 5000 + "]" * 5000)},
        "an integer of 5,000 digits (refused)": {"/api/system_stats": _stats_with("9" * 5000)},
    }


def _stats_with(value: str) -> bytes:
    return json.dumps(_system_stats({"hostile": "__x__"})).replace('"__x__"', value).encode()


def _system_stats(extra: dict[str, Any]) -> dict[str, Any]:
    system = {"os": "posix", "ram_total": 64 * 2**30, "ram_free": 32 * 2**30, **extra}
    system.update(comfyui_version="0.3.64", argv=["main.py", "--listen"])
    device = {"name": "cuda:0 NVIDIA H100 : cudaMallocAsync", "type": "cuda", "index": 0}
    return {"system": system, "devices": [{**device, "vram_total": 2**36, "vram_free": 2**35}]}


class Answers(BaseHTTPRequestHandler):
    routes: dict[str, bytes] = {}

    def do_GET(self) -> None:
        default = {
            "/api/system_stats": json.dumps(_system_stats({})).encode(),
            "/api/extensions": b'["/extensions/core/a.js"]',
            "/api/queue": b'{"queue_running": [], "queue_pending": []}',
            "/api/settings/Comfy.DevMode": b"false",
        }
        body = self.routes.get(self.path) or default.get(self.path)
        self.send_response(200 if body else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body or b"")))
        self.end_headers()
        self.wfile.write(body or b"")

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer((HOST, 0), Answers)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{HOST}:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def peak_bytes(call: Callable[[], Any]) -> tuple[int, Any]:
    """tracemalloc's peak while `call` runs, above what was allocated before it."""
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    try:
        result = call()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak - before, result


def fetch_figures(base_url: str) -> dict[str, Any]:
    from runners.upstream import comfyui, errors
    from runners.upstream.egress import EgressPolicy, Limits

    def fetch() -> str:
        try:
            comfyui.fetch_stats(base_url, {}, EgressPolicy.from_settings(), Limits.from_settings())
        except errors.UpstreamError as error:
            return f"{error.code}: {error.sentence}"
        return "ok"

    figures = {}
    for name, routes in bodies().items():
        Answers.routes = routes
        started = time.perf_counter()
        peak, outcome = peak_bytes(fetch)
        figures[name] = {
            "body_mib": round(max(len(b) for b in routes.values()) / MIB, 2),
            "peak_mib": round(peak / MIB, 2),
            "seconds": round(time.perf_counter() - started, 3),
            "outcome": outcome,
        }
        print(f"fetch: {name}: {figures[name]}")
    return figures


def page_figures(base_url: str) -> dict[str, Any]:
    """The pages of a runner that sent 20,000 long extension paths, as a team member sees them."""
    from django.contrib.auth.models import User
    from django.test import Client
    from django.urls import reverse

    from runners import polling, sharing
    from runners.models import Membership, Runner, Team

    Answers.routes = next(iter(bodies().values()))
    team = Team.objects.create(name="Hostile", slug="hostile")
    runner = Runner.objects.create(
        team=team, name="Hostile", slug="hostile", source=Runner.Source.DIRECT, base_url=base_url
    )
    polling.refresh(runner)
    user = User.objects.create_user("member", password="unused-bench-password")
    Membership.objects.create(user=user, team=team, role=Membership.Role.OWNER)
    client = Client()
    client.force_login(user)
    _, token = sharing.create_link(runner, None, "", None)
    urls = {
        "runner page": reverse("runner", args=[team.slug, runner.slug]),
        "runner page poll": reverse("runner-poll", args=[team.slug, runner.slug]),
        "dashboard": reverse("dashboard"),
        "share page": reverse("share", args=[token]),
    }
    return {name: _page(client, url) for name, url in urls.items()}


def _page(client: Any, url: str) -> dict[str, Any]:
    peak, response = peak_bytes(lambda: client.get(url))
    times = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - started) * 1000)
    figures = {
        "status": response.status_code,
        "kb": round(len(response.content) / 1000, 1),
        "median_ms": round(statistics.median(times), 1),
        "peak_mib": round(peak / MIB, 2),
    }
    print(f"page: {url}: {figures}")
    return figures


def setup() -> None:
    RESULTS.mkdir(exist_ok=True)
    _delete_database()
    os.environ.update(
        DATABASE_URL=f"sqlite:///{DATABASE}",
        SECRET_KEY="bench-only-secret-key",
        FIELD_ENCRYPTION_KEYS="YmVuY2gtb25seS1maWVsZC1rZXktMDAwMDAwMDAwMDA=",
        ALLOWED_HOSTS="testserver",
        EGRESS_ALLOW_LOOPBACK="true",
        LOG_LEVEL="WARNING",
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "comfyweb.settings")
    import django
    from django.conf import settings
    from django.core.management import call_command

    django.setup()
    # Source static files as they are: the manifest storage would need collectstatic.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    call_command("migrate", verbosity=0)


def _maxrss_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _delete_database() -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{DATABASE}{suffix}").unlink(missing_ok=True)


def main() -> int:
    setup()
    try:
        with server() as base_url:
            from django.conf import settings

            figures = {
                "body_cap_mib": settings.UPSTREAM_MAX_BYTES / MIB,
                "fetch": fetch_figures(base_url),
                "pages": page_figures(base_url),
                "ru_maxrss_mib": round(_maxrss_kib() / 1024, 1),
            }
    finally:
        _delete_database()
    (RESULTS / "hostile.json").write_text(json.dumps(figures, indent=2))
    print(f"ru_maxrss {figures['ru_maxrss_mib']} MiB; figures in {RESULTS / 'hostile.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
