import pytest
from django.urls import reverse

from runners.forms import HEADERS_DROPPED
from runners.models import Runner
from tests.factories import make_runner, make_team, make_user

pytestmark = pytest.mark.django_db

HEADERS = {"Authorization": "Bearer proxy-secret-5678"}


@pytest.fixture
def staff(client):
    client.force_login(make_user(is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def runner():
    return make_runner(make_team(), base_url="http://10.0.0.5:8188", headers=HEADERS)


def change(client, runner: Runner, **fields):
    data = {
        "team": runner.team_id, "name": runner.name, "slug": runner.slug,
        "source": runner.source, "tags": "", "notes": "", "comfycontrol_id": "", "token": "",
        "base_url": runner.base_url, "headers_text": "", "poll_interval": 30, "_save": "Save",
    }  # fmt: skip
    data.update(fields)
    url = reverse("admin:runners_runner_change", args=[runner.pk])
    return client.post(url, data, follow=True)


@pytest.mark.parametrize(
    "address",
    ["https://10.0.0.5:8188", "http://attacker.example:8188", "http://10.0.0.5:9999"],
)
def test_a_new_scheme_host_or_port_drops_the_stored_headers(staff, runner, address):
    response = change(staff, runner, base_url=address)

    runner.refresh_from_db()
    assert runner.base_url == address
    assert runner.headers == {}
    assert HEADERS_DROPPED in response.content.decode()


def test_headers_entered_with_the_new_address_are_kept(staff, runner):
    change(
        staff, runner, base_url="http://10.0.0.6:8188", headers_text="Authorization: Bearer new-1"
    )

    runner.refresh_from_db()
    assert runner.headers == {"Authorization": "Bearer new-1"}


@pytest.mark.parametrize("address", ["http://10.0.0.5:8188", "http://10.0.0.5:8188/comfy/"])
def test_the_same_origin_keeps_the_stored_headers(staff, runner, address):
    response = change(staff, runner, base_url=address, name="Renamed")

    runner.refresh_from_db()
    assert runner.headers == HEADERS
    assert HEADERS_DROPPED not in response.content.decode()


def test_a_default_port_written_out_is_the_same_address(staff):
    runner = make_runner(make_team(), base_url="http://10.0.0.5", headers=HEADERS)

    change(staff, runner, base_url="http://10.0.0.5:80/")

    runner.refresh_from_db()
    assert runner.headers == HEADERS


def test_pausing_in_admin_notes_who_and_when(staff, runner):
    change(staff, runner, paused="on")

    runner.refresh_from_db()
    assert runner.paused and runner.paused_by.is_superuser and runner.paused_at
    assert runner.team.audit.get().action == "runner_paused"


def test_resuming_in_admin_clears_who_paused(staff, runner):
    change(staff, runner, paused="on")

    change(staff, runner)

    runner.refresh_from_db()
    assert not runner.paused and runner.paused_by is None


def test_superusers_read_the_audit_trails_in_admin(staff, runner):
    change(staff, runner, paused="on")

    page = staff.get(reverse("admin:runners_auditentry_changelist")).content.decode()

    assert "runner_paused" in page or "paused runner" in page
