import re

import pytest

from tests.browser import HOW_TO_ENABLE

expect = pytest.importorskip("playwright.sync_api", reason=HOW_TO_ENABLE).expect

RUNNER = "comfy-gpu-01 (RTX 4090)"  # the simulator's direct-2


@pytest.fixture
def runner_page(fleet, member, page, log_in):
    log_in(page, member).goto("/runners/studio/comfy-gpu-01-rtx-4090/")
    return page


def test_a_cards_title_opens_the_runner_page(fleet, member, page, log_in):
    log_in(page, member).goto("/")
    card = page.locator("article.card", has=page.get_by_role("link", name=RUNNER))
    expect(card.locator(".badge")).to_have_text("OK")

    card.get_by_role("link", name=RUNNER).click()

    expect(page).to_have_url(re.compile(r"/runners/studio/comfy-gpu-01-rtx-4090/$"))
    expect(page).to_have_title(f"{RUNNER} · comfyweb")
    expect(page.get_by_role("heading", name="Devices")).to_be_visible()
    expect(page.get_by_role("cell", name="NVIDIA GeForce RTX 4090")).to_be_visible()


def test_a_share_link_opens_for_a_guest_until_it_is_revoked(runner_page, new_page):
    runner_page.get_by_label("Label").fill("for Sam")
    runner_page.get_by_role("button", name="Create a public link").click()
    share_url = runner_page.get_by_label("New share link").input_value()
    guest = new_page()  # a fresh context: no session

    guest.goto(share_url)
    expect(guest.get_by_role("heading", name=RUNNER, level=1)).to_be_visible()
    expect(guest.get_by_text("A read-only view shared from comfyweb.")).to_be_visible()

    shares = runner_page.locator("#shares")
    shares.get_by_role("listitem").filter(has_text="for Sam").get_by_role(
        "button", name="Revoke"
    ).click()
    expect(shares.get_by_role("listitem").filter(has_text="for Sam")).to_contain_text("revoked")

    assert guest.goto(share_url).status == 404
    expect(guest.get_by_role("heading", name="Not found")).to_be_visible()
    expect(guest.get_by_text("A share link stops working once it is revoked")).to_be_visible()
    expect(guest.get_by_text(RUNNER)).to_have_count(0)
