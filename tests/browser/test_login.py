import re

import pytest

from tests.browser import HOW_TO_ENABLE
from tests.factories import make_runner, make_team

expect = pytest.importorskip("playwright.sync_api", reason=HOW_TO_ENABLE).expect


def test_logging_in_through_the_form_shows_the_cards_of_the_users_runners(fleet, member, page):
    make_runner(make_team("Elsewhere"), name="Another team's box")

    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/$"))
    page.get_by_label("Username").fill("mia")
    page.get_by_label("Password").fill("pw-mia")
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("heading", name="Runners", level=1)).to_be_visible()
    expect(page.locator("article.card")).to_have_count(len(fleet.runners))
    expect(page.get_by_role("link", name="workstation-01 (H100 80GB x8)")).to_be_visible()
    expect(page.get_by_text("Another team's box")).to_have_count(0)
