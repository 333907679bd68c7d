"""Every kind of page renders under the strict CSP without a violation or a JS error.

The `new_page` fixture fails a test on either; these tests give it each page to look at.
"""

import pytest

from runners import polling, sharing
from runners.models import Runner
from tests.browser import HOW_TO_ENABLE

expect = pytest.importorskip("playwright.sync_api", reason=HOW_TO_ENABLE).expect

UNSETTLED_CARDS = 'article.card[data-status="pending"], article.card[data-status="refreshing"]'


def share_path(member) -> str:
    runner = Runner.objects.get(slug="comfy-gpu-01-rtx-4090")
    _, token = sharing.create_link(runner, member, "for a guest", None)
    return f"/s/{token}/"


PAGES = {
    # name: (who is logged in, the path, a heading that shows the page rendered)
    "login": (None, lambda member: "/login/", "Log in"),
    "dashboard": ("member", lambda member: "/", "Runners"),
    "runner": ("member", lambda member: "/runners/studio/comfy-gpu-01-rtx-4090/", "Share"),
    "share": (None, share_path, "comfy-gpu-01 (RTX 4090)"),
    "admin": ("admin", lambda member: "/admin/", "Site administration"),
}


@pytest.mark.parametrize("name", PAGES)
def test_a_page_loads_without_csp_violations_or_js_errors(
    name, fleet, member, admin_user, page, log_in
):
    who, path_for, heading = PAGES[name]
    if who:
        log_in(page, {"member": member, "admin": admin_user}[who])

    response = page.goto(path_for(member))

    assert response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(page.get_by_role("heading", name=heading).first).to_be_visible()
    # Cards swap themselves in through htmx once their first fetch is done.
    expect(page.locator(UNSETTLED_CARDS)).to_have_count(0)


@pytest.mark.parametrize("name", ["dashboard", "runner", "share"])
def test_a_page_fits_a_360_px_phone_without_sideways_scrolling(
    name, fleet, member, new_page, log_in
):
    who, path_for, _ = PAGES[name]
    page = new_page(viewport={"width": 360, "height": 760}, is_mobile=True)
    if who:
        log_in(page, member)
    # Stats from the first render on, so the runner page has its device table and extension list.
    polling.refresh(Runner.objects.get(slug="comfy-gpu-01-rtx-4090"))

    page.goto(path_for(member))
    expect(page.locator("article.card[data-status=ok]").first).to_be_visible()

    assert page.evaluate("document.documentElement.scrollWidth") == 360
