"""Fleet intelligence pages in a browser: the matrix after a dashboard visit, the finder's
shareable URL, and a workflow check, all under the strict CSP."""

import re

import pytest

from runners.intel.models import Software
from tests.bodies import FIXTURES
from tests.browser import HOW_TO_ENABLE

expect = pytest.importorskip("playwright.sync_api", reason=HOW_TO_ENABLE).expect

WORKFLOW = FIXTURES / "workflows" / "user-ui-subgraph-rgthree.json"


def test_the_matrix_lists_the_packs_the_dashboard_dashboard(dashboard):
    dashboard.get_by_role("link", name="Fleet").click()
    dashboard.get_by_role("link", name="Extensions").click()

    expect(dashboard.locator("table.matrix tbody tr").first).to_be_visible()
    assert Software.objects.exists()


def test_the_finders_conditions_land_in_the_url(dashboard):
    dashboard.goto("/teams/studio/finder/")
    dashboard.get_by_label("Free VRAM on one GPU ≥ (GiB)").fill("4")
    dashboard.get_by_label("Up").check()
    dashboard.get_by_role("button", name="Find").click()

    expect(dashboard).to_have_url(re.compile(r"finder/\?vram=4&.*up=on"))


def test_an_uploaded_workflow_gets_a_verdict_per_runner(dashboard):
    dashboard.goto("/teams/studio/check/")
    dashboard.get_by_label("…or upload a workflow (.json or .png)").set_input_files(WORKFLOW)
    dashboard.get_by_role("button", name="Check").click()

    expect(dashboard.locator("#check-result")).to_contain_text("Seed (rgthree)")
    expect(dashboard.locator("#check-result tbody tr").first).to_be_visible()
