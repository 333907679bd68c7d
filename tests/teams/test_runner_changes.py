"""Editing, pausing, resuming and deleting runners in the app."""

import pytest

from runners.models import AuditEntry, Membership, Runner, RunnerState, StatusChange
from runners.polling import refresh
from runners.status import Status
from tests.factories import make_member, make_runner

pytestmark = pytest.mark.django_db


@pytest.fixture
def box(team):
    return make_runner(
        team, name="GPU box", slug="gpu-box", base_url="http://10.0.0.5:8188",
        headers={"Authorization": "Bearer proxy-secret-3"},
    )  # fmt: skip


def edit(client, **changes):
    data = {"name": "GPU box", "base_url": "http://10.0.0.5:8188", "tags": "", "poll_interval": 30}
    return client.post("/runners/studio/gpu-box/edit/", {**data, **changes, "action": "save"})


def test_an_edit_keeps_the_stored_headers_when_the_host_stays(member_client, box):
    edit(member_client, tags="h100", poll_interval=60)

    box.refresh_from_db()
    assert (box.tag_list, box.poll_interval) == (["h100"], 60)
    assert box.headers == {"Authorization": "Bearer proxy-secret-3"}


def test_the_edit_page_never_shows_a_stored_header_value(member_client, box):
    page = member_client.get("/runners/studio/gpu-box/edit/").content.decode()

    assert "Custom headers are stored (1)" in page
    assert "proxy-secret-3" not in page


def test_a_new_host_asks_for_the_headers_again(member_client, box):
    response = edit(member_client, base_url="http://10.0.0.6:8188")

    assert "enter them again" in response.context["form"].errors["headers_text"][0]
    box.refresh_from_db()
    assert box.base_url == "http://10.0.0.5:8188"


def test_a_new_host_with_headers_entered_again_is_saved(member_client, box):
    edit(member_client, base_url="http://10.0.0.6:8188", headers_text="Authorization: Bearer new1")

    box.refresh_from_db()
    assert (box.base_url, box.headers) == ("http://10.0.0.6:8188", {"Authorization": "Bearer new1"})


def test_a_new_host_can_drop_the_headers(member_client, box):
    edit(member_client, base_url="http://10.0.0.6:8188", clear_headers="on")

    box.refresh_from_db()
    assert (box.base_url, box.headers) == ("http://10.0.0.6:8188", {})


def test_a_comfycontrol_runner_edits_only_its_name_tags_and_interval(member_client, team):
    runner = make_runner(team, source="managed", name="Cloud", slug="cloud")

    page = member_client.get("/runners/studio/cloud/edit/").content.decode()

    assert 'name="name"' in page and 'name="base_url"' not in page
    assert runner.token.secret not in page


def test_a_paused_runner_shows_who_paused_it_and_when(member_client, box):
    member_client.post("/runners/studio/gpu-box/pause/")

    page = member_client.get("/runners/studio/gpu-box/").content.decode()
    assert "Paused by mia on" in page
    box.refresh_from_db()
    assert box.paused and box.paused_by.username == "mia" and box.paused_at


def test_a_paused_runner_is_not_polled_nor_counted_as_down(member_client, box):
    member_client.post("/runners/studio/gpu-box/pause/")

    box.refresh_from_db()
    state = refresh(box)
    assert state.status == Status.PAUSED and not Status(state.status).is_failing
    assert state.fetched_at is None


def test_a_pause_is_logged_in_the_status_history(member_client, box):
    member_client.post("/runners/studio/gpu-box/pause/")

    assert StatusChange.objects.filter(runner=box, status=Status.PAUSED).exists()


def test_a_share_page_does_not_say_who_paused_the_runner(member_client, box):
    from runners import sharing

    member_client.post("/runners/studio/gpu-box/pause/")
    _, token = sharing.create_link(box, None, "", None)

    member_client.logout()

    page = member_client.get(f"/s/{token}/").content.decode()
    assert "Paused" in page and "mia" not in page


def test_resuming_makes_the_runner_due_at_once(member_client, box):
    member_client.post("/runners/studio/gpu-box/pause/")

    member_client.post("/runners/studio/gpu-box/resume/")

    box = Runner.objects.select_related("state").get(pk=box.pk)
    assert not box.paused and box.paused_by is None
    assert box.state.fetched_at is None and box.state.error_sentence == ""


def test_pause_and_resume_are_in_the_audit_trail(member_client, box):
    member_client.post("/runners/studio/gpu-box/pause/")
    member_client.post("/runners/studio/gpu-box/resume/")

    assert list(AuditEntry.objects.values_list("action", "subject")) == [
        ("runner_resumed", "GPU box"),
        ("runner_paused", "GPU box"),
    ]


def test_an_owner_deletes_a_runner_and_it_is_noted(client, team, box):
    client.force_login(make_member(team, role=Membership.Role.OWNER))

    client.post("/runners/studio/gpu-box/delete/")

    assert not Runner.objects.exists()
    assert AuditEntry.objects.get().action == "runner_deleted"


def test_the_runner_page_offers_deleting_to_owners_only(member_client, client, team, box):
    assert "Delete GPU box" not in member_client.get("/runners/studio/gpu-box/").content.decode()
    client.force_login(make_member(team, role=Membership.Role.OWNER))
    assert "Delete GPU box" in client.get("/runners/studio/gpu-box/").content.decode()


def test_a_paused_state_row_is_created_for_a_runner_never_fetched(member_client, box):
    member_client.post("/runners/studio/gpu-box/pause/")

    assert RunnerState.objects.get(pk=box.pk).status == Status.PAUSED
