"""The whole self-service path in a browser, from an empty database: create a team, test and
add a direct runner, add a token and import, invite a member who joins through the link, pause
and resume a runner, remove the member."""

import pytest

from runners.models import Runner
from tests.browser import HOW_TO_ENABLE
from tests.factories import make_user

expect = pytest.importorskip("playwright.sync_api", reason=HOW_TO_ENABLE).expect


def headers_text(sim_runner) -> str:
    return "\n".join(f"{name}: {value}" for name, value in sim_runner.headers.items())


def test_an_owner_sets_up_a_team_from_an_empty_installation(comfycontrol, new_page, log_in):
    owner_page = log_in(new_page(), make_user("root", is_staff=True, is_superuser=True))
    direct = comfycontrol.fleet.of_kind("direct")[0]

    # An empty installation leads to a new team, and the new team to adding a runner.
    owner_page.goto("/")
    owner_page.get_by_role("link", name="Create a team").click()
    owner_page.get_by_label("Name").fill("Studio")
    owner_page.get_by_role("button", name="Create team").click()
    expect(owner_page.get_by_role("heading", name="Add a ComfyUI runner")).to_be_visible()

    # Test the connection before saving, then add the runner.
    owner_page.get_by_label("Name").fill("Workstation")
    owner_page.get_by_label("Base URL").fill(comfycontrol.direct_base_url(direct.id))
    owner_page.get_by_label("Custom headers").fill(headers_text(direct))
    owner_page.get_by_role("button", name="Test connection").click()
    expect(owner_page.get_by_role("heading", name="Connected in")).to_be_visible()
    assert not Runner.objects.exists()
    owner_page.get_by_role("button", name="Add runner").click()
    expect(owner_page.get_by_role("heading", name="Workstation", level=1)).to_be_visible()
    expect(owner_page.locator("article.card")).to_have_attribute("data-status", "ok")

    # A token, checked with ComfyControl, and an import of its runners.
    owner_page.goto("/teams/studio/tokens/")
    owner_page.get_by_label("Label").fill("simulated")
    owner_page.get_by_label("Token", exact=True).fill("cfc_sim_pro")
    owner_page.get_by_role("button", name="Check and add").click()
    expect(owner_page.get_by_text("ComfyControl plan pro")).to_be_visible()
    owner_page.get_by_role("button", name="Import runners").click()
    expect(owner_page.get_by_text("6 created, 0 updated, 0 unchanged")).to_be_visible()

    # An invite link, opened by a newcomer who signs up and joins.
    owner_page.get_by_role("link", name="Members").click()
    owner_page.get_by_label("Role", exact=True).select_option("member")
    owner_page.get_by_role("button", name="Create invite link").click()
    link = owner_page.get_by_label("Invite link").input_value()
    newcomer = new_page()
    newcomer.goto(link)
    newcomer.get_by_label("Username").fill("nina")
    newcomer.get_by_label("Password", exact=True).fill("a-long-pass-99")
    newcomer.get_by_label("Password confirmation").fill("a-long-pass-99")
    newcomer.get_by_role("button", name="Create account and join").click()
    expect(newcomer.get_by_text("Welcome to Studio.")).to_be_visible()
    expect(newcomer.locator("article.card")).to_have_count(7)

    # Pause and resume a runner.
    owner_page.goto("/runners/studio/workstation/")
    owner_page.get_by_role("button", name="Pause for maintenance").click()
    card = owner_page.locator("article.card")
    expect(card).to_have_attribute("data-status", "paused")
    expect(card.get_by_text("Paused by root on")).to_be_visible()
    owner_page.get_by_role("button", name="Resume polling").click()
    expect(card).to_have_attribute("data-status", "ok")

    # Remove the member: their dashboard no longer shows the team.
    owner_page.goto("/teams/studio/members/")
    owner_page.get_by_role("button", name="Remove nina").click()
    expect(owner_page.get_by_text("Removed nina; their share links were revoked.")).to_be_visible()
    newcomer.goto("/")
    expect(newcomer.get_by_text("You are not in a team yet.")).to_be_visible()

    # And the owner's audit trail tells the story.
    owner_page.goto("/teams/studio/audit/")
    for line in ("added runner Workstation", "joined as member", "removed member nina"):
        expect(owner_page.get_by_text(line)).to_be_visible()


TEAM_PAGES = [
    "/teams/",
    "/teams/studio/runners/add/",
    "/teams/studio/tokens/",
    "/teams/studio/members/",
    "/teams/studio/audit/",
    "/runners/studio/box/edit/",
]


@pytest.mark.parametrize("path", TEAM_PAGES)
def test_a_team_page_fits_a_360_px_phone(path, new_page, log_in):
    from runners.models import Membership
    from tests.factories import make_member, make_runner, make_team, make_token

    team = make_team("Studio", slug="studio")
    owner = make_member(team, role=Membership.Role.OWNER, username="olga")
    make_member(team, role=Membership.Role.VIEWER, username="a-rather-long-user-name")
    make_token(team, label="studio pro")
    make_runner(team, name="Box", slug="box")
    page = log_in(new_page(viewport={"width": 360, "height": 760}, is_mobile=True), owner)

    page.goto(path)

    expect(page.locator("h1")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") == 360
