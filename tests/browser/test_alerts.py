import pytest

from runners.models import Membership
from tests.browser import HOW_TO_ENABLE
from tests.factories import make_member, make_runner

expect = pytest.importorskip("playwright.sync_api", reason=HOW_TO_ENABLE).expect


def test_an_owner_adds_a_webhook_tests_it_and_reads_the_delivery_log(
    page, log_in, team, httpserver
):
    httpserver.expect_request("/hook", method="POST").respond_with_data("", status=204)
    log_in(page, make_member(team, role=Membership.Role.OWNER))

    page.goto("/teams/studio/alerts/")
    page.get_by_label("Kind").select_option("webhook")
    page.get_by_label("Label").fill("ops")
    page.get_by_label("URL or email address").fill(httpserver.url_for("/hook"))
    page.get_by_role("button", name="Add the channel").click()
    expect(page.get_by_label("Signing secret")).to_be_visible()
    page.get_by_role("button", name="Send test").click()

    expect(page.get_by_text("The test alert reached “ops”.")).to_be_visible()
    expect(page.locator(".delivery-log tr[data-state=sent]")).to_have_count(1)


def test_an_owner_makes_a_badge_that_renders_in_the_page(page, log_in, team):
    make_runner(team, slug="box", paused=True)
    log_in(page, make_member(team, role=Membership.Role.OWNER))

    page.goto("/teams/studio/api-keys/")
    page.get_by_label("Runner").select_option("box")
    page.locator("#id_badge-label").fill("render farm")
    page.get_by_role("button", name="Create a badge").click()

    badge = page.get_by_role("img", name="The new badge")
    expect(badge).to_be_visible()
    assert badge.evaluate("img => img.naturalWidth") > 0
