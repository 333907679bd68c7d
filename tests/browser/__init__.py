"""Browser tests, and the Chromium they drive (docs/screenshots.py drives the same)."""

from pathlib import Path

HOW_TO_ENABLE = (
    "browser tests need Debian's chromium at /usr/bin/chromium and the playwright package: "
    "`apt-get install chromium` and `pip install -e '.[dev]'` (never `playwright install`)"
)

CHROMIUM = Path("/usr/bin/chromium")  # Debian's; Playwright's own browsers are never downloaded
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    # Pages can reach the local server and nothing off this machine.
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1",
]
