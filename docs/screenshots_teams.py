"""Screenshots of the team pages for the docs: `make screenshots` runs this after screenshots.py.

Against `manage.py demo`, as screenshots.py: the add-runner form with its connection test (a
success on an existing direct runner's edit page, a failure and field errors on a new one),
tokens after an import, members with a fresh invite link, the audit trail, and the invite page
a newcomer opens.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))
from screenshots import CHROMIUM, LAUNCH_ARGS, OUT, demo_server, log_in, report

ADD = "/teams/demo/runners/add/"


def connection_test(page: Page) -> None:
    page.goto("/?view=table&status=ok&q=")
    direct = page.locator("tr", has_text="direct").first.get_by_role("link").first
    page.goto(direct.get_attribute("href") + "edit/")
    page.get_by_role("button", name="Test connection").click()
    expect(page.get_by_role("heading", name="Connected in")).to_be_visible()


def failed_test(page: Page) -> None:
    fill_new_runner(page, "http://127.0.0.1:9", "Test connection")
    expect(page.get_by_role("heading", name="Could not connect")).to_be_visible()


def field_errors(page: Page) -> None:
    fill_new_runner(page, "http://10.0.0.5:8188/api/system_stats", "Add runner")
    expect(page.locator(".form-error").first).to_be_visible()


def fill_new_runner(page: Page, base_url: str, button: str) -> None:
    page.goto(ADD)
    page.get_by_label("Name").fill("Spare workstation")
    page.get_by_label("Base URL").fill(base_url)
    page.get_by_role("button", name=button).click()


def tokens(page: Page) -> None:
    page.goto("/teams/demo/tokens/")
    page.get_by_role("button", name="Import runners").click()
    expect(page.locator(".import")).to_contain_text("Importing")
    expect(page.locator(".import")).to_contain_text("removed upstream")


def members(page: Page) -> None:
    page.goto("/teams/demo/members/")
    members_link(page)


def audit(page: Page) -> None:
    page.goto("/teams/demo/audit/")


SHOTS = [
    ("team-connection-test", connection_test),
    ("team-connection-failed", failed_test),
    ("team-add-runner-errors", field_errors),
    ("team-tokens", tokens),
    ("team-members", members),
    ("team-audit", audit),
]


def members_link(page: Page) -> str:
    page.get_by_role("button", name="Create invite link").click()
    return page.get_by_label("Invite link").input_value()


def shot(page: Page, name: str, scheme: str) -> Path:
    png = OUT / f"{name}-1280-{scheme}.png"
    page.screenshot(path=png, animations="disabled", caret="hide", full_page=True)
    return png


def main() -> None:
    if not CHROMIUM.exists():
        sys.exit("Screenshots need Debian's chromium: apt-get install chromium")
    OUT.mkdir(parents=True, exist_ok=True)
    written = []
    with (
        tempfile.TemporaryDirectory() as workdir,
        demo_server(Path(workdir)) as base_url,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        for scheme in ("light", "dark"):
            context = browser.new_context(
                base_url=base_url, viewport={"width": 1280, "height": 800}, color_scheme=scheme
            )
            context.set_default_timeout(30_000)
            page = context.new_page()
            log_in(page)
            for name, show in SHOTS:
                show(page)
                written.append(shot(page, name, scheme))
            page.goto("/teams/demo/members/")
            invite_link = members_link(page)
            context.close()
            # The invite as its newcomer sees it: not logged in, offered to sign up.
            newcomer = browser.new_context(
                viewport={"width": 1280, "height": 800}, color_scheme=scheme
            ).new_page()
            newcomer.goto(invite_link)
            written.append(shot(newcomer, "team-invite", scheme))
            newcomer.context.close()
        browser.close()
    report(written)


if __name__ == "__main__":
    main()
