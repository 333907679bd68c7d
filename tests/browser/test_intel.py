"""Fleet intelligence pages in a browser: the matrix after a dashboard visit, the finder's
shareable URL, and a workflow check, all under the strict CSP."""

import re

import pytest

from runners.intel.models import Software
from tests.bodies import FIXTURES
from tests.browser import HOW_TO_ENABLE

expect = pytest.importorskip("playwright.sync_api", reason=HOW_TO_ENABLE).expect

POLL_WAIT_MS = 15_000
WORKFLOW = FIXTURES / "workflows" / "user-ui-subgraph-rgthree.json"


@pytest.fixture
def fetched(fleet, member, page, log_in):
    """The team's runners fetched once, through the dashboard, and a member's page."""
    log_in(page, member).goto("/")
    expect(page.locator('article.card[data-status="pending"]')).to_have_count(
        0, timeout=POLL_WAIT_MS
    )
    return page


def test_the_matrix_lists_the_packs_the_dashboard_fetched(fetched):
    fetched.get_by_role("link", name="Fleet").click()
    fetched.get_by_role("link", name="Extensions").click()

    expect(fetched.locator("table.matrix tbody tr").first).to_be_visible()
    assert Software.objects.exists()


def test_the_finders_conditions_land_in_the_url(fetched):
    fetched.goto("/teams/studio/finder/")
    fetched.get_by_label("Free VRAM on one GPU ≥ (GiB)").fill("4")
    fetched.get_by_label("Up").check()
    fetched.get_by_role("button", name="Find").click()

    expect(fetched).to_have_url(re.compile(r"finder/\?vram=4&.*up=on"))


def test_an_uploaded_workflow_gets_a_verdict_per_runner(fetched):
    fetched.goto("/teams/studio/check/")
    fetched.get_by_label("…or upload a workflow (.json or .png)").set_input_files(WORKFLOW)
    fetched.get_by_role("button", name="Check").click()

    expect(fetched.locator("#check-result")).to_contain_text("Seed (rgthree)")
    expect(fetched.locator("#check-result tbody tr").first).to_be_visible()
