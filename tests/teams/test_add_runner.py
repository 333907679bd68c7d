"""Adding a direct ComfyUI runner in the app, with a connection test before saving."""

import pytest

from runners.models import AuditEntry, Runner
from tests.factories import make_runner

pytestmark = pytest.mark.django_db

ADD = "/teams/studio/runners/add/"


def fields(**changes):
    return {"name": "GPU box", "base_url": "", "tags": "a100", "poll_interval": "30", **changes}


def test_a_connection_test_shows_what_the_server_runs(member_client, comfyui):
    data = fields(base_url=comfyui.url_for("/"), action="test")

    page = member_client.post(ADD, data, headers={"HX-Request": "true"}).content.decode()

    assert "Connected in" in page
    assert "0.3.64" in page  # ComfyUI
    assert "3.11.7" in page  # Python
    assert "CPU" in page


def test_a_connection_test_saves_nothing(member_client, comfyui):
    member_client.post(ADD, fields(base_url=comfyui.url_for("/"), action="test"))

    assert not Runner.objects.exists()


def test_a_failed_connection_test_says_why(member_client, httpserver):
    httpserver.no_handler_status_code = 404

    page = member_client.post(
        ADD, fields(base_url=httpserver.url_for("/"), action="test"), headers={"HX-Request": "true"}
    ).content.decode()

    assert "Could not connect" in page
    assert "No ComfyUI server answers at this address" in page


def test_a_connection_test_sends_the_custom_headers(member_client, comfyui):
    data = fields(base_url=comfyui.url_for("/"), headers_text="X-Proxy: proxy-secret-1")

    member_client.post(ADD, {**data, "action": "test"}, headers={"HX-Request": "true"})

    assert comfyui.log[0][0].headers["X-Proxy"] == "proxy-secret-1"


def test_adding_saves_the_runner_and_notes_who(member_client, team, comfyui):
    response = member_client.post(ADD, fields(base_url=comfyui.url_for("/"), action="save"))

    runner = Runner.objects.get()
    assert response.url == "/runners/studio/gpu-box/"
    assert (runner.team, runner.source, runner.tag_list) == (team, "direct", ["a100"])
    entry = AuditEntry.objects.get()
    assert (entry.actor_name, entry.action, entry.subject) == ("mia", "runner_added", "GPU box")


def test_the_headers_typed_are_never_sent_back_in_the_page(member_client):
    data = fields(base_url="ftp://10.0.0.5", headers_text="Authorization: Bearer proxy-secret-2")

    page = member_client.post(ADD, {**data, "action": "save"}).content.decode()

    assert "proxy-secret-2" not in page


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://10.0.0.5:8188", "Use an http:// or https:// URL."),
        ("http://10.0.0.5:8188/api/system_stats", "is a ComfyUI route, not the server"),
        ("http://10.0.0.5:8188/api", "is a ComfyUI route, not the server"),
        ("http://10.0.0.5:8188/?tab=queue", "ComfyUI serves no page with a query"),
        ("http://user:pw@10.0.0.5:8188", "Put credentials in custom headers"),
        ("http://10.0.0.5:99999", "The port is not a number"),
        ("http://169.254.169.254/", "always blocked"),
    ],
)
def test_a_bad_address_gets_a_clear_message_on_its_field(member_client, url, message):
    response = member_client.post(ADD, fields(base_url=url, action="save"))

    assert message in " ".join(response.context["form"].errors["base_url"])
    assert not Runner.objects.exists()


def test_an_address_the_egress_policy_refuses_names_the_setting_that_allows_it(
    member_client, settings
):
    settings.EGRESS_ALLOW_LOOPBACK = False

    response = member_client.post(ADD, fields(base_url="http://127.0.0.1:8188", action="save"))

    (error,) = response.context["form"].errors["base_url"]
    assert "EGRESS_ALLOW_LOOPBACK=1" in error


def test_a_private_address_refused_by_settings_names_that_setting(member_client, settings):
    settings.EGRESS_ALLOW_PRIVATE = False

    response = member_client.post(ADD, fields(base_url="http://10.0.0.5:8188", action="save"))

    assert "EGRESS_ALLOW_PRIVATE" in response.context["form"].errors["base_url"][0]


def test_a_server_the_team_already_has_is_a_duplicate(member_client, team):
    make_runner(team, name="Old box", base_url="http://10.0.0.5:8188/")

    response = member_client.post(ADD, fields(base_url="10.0.0.5:8188", action="save"))

    assert response.context["form"].errors["base_url"] == [
        "The team already has this server as “Old box”."
    ]


def test_a_name_the_team_already_has_is_refused(member_client, team):
    make_runner(team, name="GPU box", slug="gpu-box")

    response = member_client.post(ADD, fields(base_url="http://10.0.0.9:8188", action="save"))

    assert "already has a runner of this name" in response.context["form"].errors["name"][0]


def test_an_invalid_form_tested_with_htmx_lists_what_to_fix(member_client):
    page = member_client.post(
        ADD, fields(base_url="ftp://x", action="test"), headers={"HX-Request": "true"}
    ).content.decode()

    assert "Fix these first" in page
    assert "Use an http:// or https:// URL." in page


@pytest.mark.parametrize("mode", ["garbage", "wrong_shape", "huge", "hostile", "status:500"])
def test_a_misbehaving_server_gets_a_result_never_a_500(member_client, simulator, mode):
    sim_runner = simulator.fleet.of_kind("direct")[0]
    simulator.fleet.set_mode(sim_runner.id, mode)
    headers = "\n".join(f"{name}: {value}" for name, value in sim_runner.headers.items())
    data = fields(base_url=simulator.direct_base_url(sim_runner.id), headers_text=headers)

    response = member_client.post(ADD, {**data, "action": "test"}, headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert ("Connected in" in response.content.decode()) == (mode == "hostile")
