"""Screenshots for the docs: `make screenshots` writes docs/screenshots/*.png.

Runs `manage.py demo` (a simulated fleet and the development server) on free loopback ports with
a throwaway database, logs in as demo/demo in Debian's chromium, waits for the cards to fill,
and shoots the dashboard (cards and table) and runner pages at 1280 and 390 px wide, light and
dark: a 4-GPU runner, a CPU-only runner and a runner with outages (the demo seeds a week of
history with outages), each page whole; and the extension matrix, the capacity finder and a
workflow check at 1280 px.
`python docs/screenshots.py alerts` shoots only the alerts page: a webhook channel being
added, then its delivery log after test sends to a receiver on loopback.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from playwright.sync_api import Browser, Page, expect, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.browser import CHROMIUM, LAUNCH_ARGS  # noqa: E402  (the browser the tests drive)

OUT = ROOT / "docs" / "screenshots"
VIEWPORTS = {"1280": {"width": 1280, "height": 800}, "390": {"width": 390, "height": 844}}
RUNNER_PAGE = "/runners/demo/comfy-gpu-01-a100-80gb-x4/"
CPU_RUNNER_PAGE = "/runners/demo/studio-cpu-only/"
OUTAGES_RUNNER_PAGE = "/runners/demo/workstation-01-rtx-4090/"
UNSETTLED = (
    ":is(article.card, tr)[data-status=pending], :is(article.card, tr)[data-status=refreshing]"
)
# (file name, path, what shows the page has rendered its runners)
PAGES = [
    ("dashboard", "/", "article.card"),
    ("table", "/?view=table", "table.fleet-table tbody tr"),
    ("runner", RUNNER_PAGE, "article.card"),
    ("runner-cpu", CPU_RUNNER_PAGE, "article.card"),
    ("runner-outages", OUTAGES_RUNNER_PAGE, "table.outages"),
]
MAX_PNG_BYTES = 400_000
# Fleet intelligence pages, shot once (1280 px, light) after the inventories came in.
FLEET_PAGES = [
    ("fleet-matrix", "/teams/demo/extensions/", "table.matrix"),
    ("fleet-finder", "/teams/demo/finder/?vram=8&packs=ComfyUI-Manager&up=on", "table"),
]
WORKFLOW = ROOT / "tests" / "fixtures" / "workflows" / "user-ui-subgraph-rgthree.json"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def demo_server(workdir: Path) -> Iterator[str]:
    """`manage.py demo` on free ports; yields the app's base URL and stops the demo after."""
    app_port = free_port()
    env = {
        **os.environ,
        "DEBUG": "1",
        "EGRESS_ALLOW_LOOPBACK": "1",
        "COMFYCONTROL_API_URL": f"http://127.0.0.1:{free_port()}",
        "DATABASE_URL": f"sqlite:///{workdir / 'demo.sqlite3'}",
    }
    log = (workdir / "demo.log").open("w")
    demo = subprocess.Popen(  # noqa: S603 - our own manage.py, no shell
        [sys.executable, "manage.py", "demo", "--addr", f"127.0.0.1:{app_port}"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base_url = f"http://127.0.0.1:{app_port}"
    try:
        wait_until_up(f"{base_url}/login/", demo, workdir / "demo.log")
        yield base_url
    finally:
        os.killpg(demo.pid, signal.SIGTERM)
        demo.wait(timeout=10)
        log.close()


def wait_until_up(url: str, demo: subprocess.Popen, log_path: Path, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if demo.poll() is not None:
            sys.exit(f"manage.py demo stopped:\n{log_path.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - a loopback http URL
                return
        except OSError:
            time.sleep(0.3)
    sys.exit(f"manage.py demo did not answer at {url} within {timeout_s:.0f} s")


def shoot(browser: Browser, base_url: str, width: str, scheme: str) -> list[Path]:
    context = browser.new_context(
        base_url=base_url, viewport=VIEWPORTS[width], color_scheme=scheme, is_mobile=width == "390"
    )
    context.set_default_timeout(30_000)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda m: problems.append(m.text) if "Security Policy" in m.text else None)
    log_in(page)
    shots = [
        capture(page, path, ready, OUT / f"{name}-{width}-{scheme}.png")
        for name, path, ready in PAGES
    ]
    context.close()
    if problems:
        sys.exit(f"the pages reported problems ({width} px, {scheme}):\n" + "\n".join(problems))
    return shots


def shoot_fleet(browser: Browser, base_url: str) -> list[Path]:
    context = browser.new_context(base_url=base_url, viewport=VIEWPORTS["1280"])
    context.set_default_timeout(30_000)
    page = context.new_page()
    log_in(page)
    capture(page, "/", "article.card", OUT / "dashboard-1280-light.png")
    # Inventories are fetched right after each runner's stats; the hidden pack shows they came.
    page.goto(FLEET_PAGES[0][1])
    for _ in range(50):
        if "ComfyUI-GGUF" in page.content():
            break
        page.wait_for_timeout(200)
        page.reload()
    shots = [capture(page, path, ready, OUT / f"{name}.png") for name, path, ready in FLEET_PAGES]
    page.goto("/teams/demo/check/")
    page.get_by_label("Paste a workflow").fill(WORKFLOW.read_text())
    page.get_by_role("button", name="Check", exact=True).click()
    expect(page.locator("#check-result")).to_be_visible()
    page.screenshot(path=OUT / "fleet-check.png", animations="disabled", caret="hide")
    context.close()
    return [*shots, OUT / "fleet-check.png"]


def log_in(page: Page) -> None:
    page.goto("/login/")
    page.get_by_label("Username").fill("demo")
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Runners")).to_be_visible()


def capture(page: Page, path: str, ready: str, png: Path) -> Path:
    page.goto(path)
    expect(page.locator(ready).first).to_be_visible()
    expect(page.locator(UNSETTLED)).to_have_count(0)
    page.screenshot(
        path=png, animations="disabled", caret="hide", full_page=path.startswith("/runners/")
    )
    return png


class _Receiver(BaseHTTPRequestHandler):
    """A webhook receiver: 204 on /ok, 500 on anything else."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(204 if self.path == "/ok" else 500)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def webhook_receiver() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


def shoot_alerts(browser: Browser, base_url: str) -> list[Path]:
    """The alerts page: a channel being added, then the delivery log after test sends."""
    context = browser.new_context(base_url=base_url, viewport=VIEWPORTS["1280"])
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if "Security Policy" in m.text else None)
    log_in(page)
    page.goto("/teams/demo/alerts/")
    with webhook_receiver() as receiver:
        add_channel(page, "chat relay", f"{receiver}/broken")
        page.get_by_role("button", name="Send test").first.click()
        fill_channel(page, "ops webhook", f"{receiver}/ok")
        setup_png = OUT / "alerts-1280-light.png"
        page.screenshot(path=setup_png, animations="disabled", caret="hide")
        page.get_by_role("button", name="Add the channel").click()
        for _ in range(2):
            page.get_by_role("button", name="Send test").last.click()
    log_png = OUT / "alerts-log-1280-light.png"
    page.locator("#deliveries").screenshot(path=log_png, animations="disabled")
    context.close()
    if problems:
        sys.exit("the alerts page reported problems:\n" + "\n".join(problems))
    return [setup_png, log_png]


def fill_channel(page: Page, label: str, url: str) -> None:
    page.get_by_label("Kind").select_option("webhook")
    page.get_by_label("Label").fill(label)
    page.get_by_label("URL or email address").fill(url)


def add_channel(page: Page, label: str, url: str) -> None:
    fill_channel(page, label, url)
    page.get_by_role("button", name="Add the channel").click()
    expect(page.get_by_text(f"The channel “{label}” was added.")).to_be_visible()


def main() -> None:
    if not CHROMIUM.exists():
        sys.exit("Screenshots need Debian's chromium: apt-get install chromium")
    OUT.mkdir(parents=True, exist_ok=True)
    only_alerts = sys.argv[1:] == ["alerts"]
    with (
        tempfile.TemporaryDirectory() as workdir,
        demo_server(Path(workdir)) as base_url,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        # The dashboard comes first and fills every card, so the runner page renders with stats.
        shots = (
            []
            if only_alerts
            else [
                png
                for width in VIEWPORTS
                for scheme in ("light", "dark")
                for png in shoot(browser, base_url, width, scheme)
            ]
        )
        if not only_alerts:
            shots += shoot_fleet(browser, base_url)
        shots += shoot_alerts(browser, base_url)
        browser.close()
    report(shots)


def report(shots: list[Path]) -> None:
    """Print each PNG's size; stop on one over MAX_PNG_BYTES."""
    for png in shots:
        size = png.stat().st_size
        print(f"{png.relative_to(ROOT)}  {size / 1000:.0f} KB")
        if size > MAX_PNG_BYTES:
            sys.exit(f"{png.name} is over {MAX_PNG_BYTES // 1000} KB")


if __name__ == "__main__":
    main()
