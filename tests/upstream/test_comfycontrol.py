"""The ComfyControl API client, against pytest-httpserver serving the documented bodies."""

import pytest

from runners.upstream import comfycontrol, errors
from runners.upstream.egress import Limits
from tests.bodies import load

LIMITS = Limits(connect_timeout=1, read_timeout=1, deadline=2, max_bytes=1_000_000)
RUNNER_ID = "a1b2c3d4-e5f6-7890-abcd-ef1234567890"
STATS_PATH = f"/v1/managed-runner/{RUNNER_ID}/stats"


def fetch(httpserver, kind="managed"):
    return comfycontrol.fetch_stats(httpserver.url_for(""), "cfc_test", kind, RUNNER_ID, LIMITS)


def test_managed_runner_stats_use_the_bearer_token(httpserver):
    httpserver.expect_request(
        STATS_PATH, headers={"Authorization": "Bearer cfc_test"}
    ).respond_with_json(load("comfycontrol-docs/managed-runner-stats.json"))

    stats = fetch(httpserver).stats

    assert stats.devices[0].model == "NVIDIA H100 80GB HBM3"
    assert [pack.name for pack in stats.custom_packs] == ["ComfyUI-Manager", "rgthree-comfy"]


def test_self_hosted_runner_stats_come_from_the_runner_route(httpserver):
    httpserver.expect_request(f"/v1/runner/{RUNNER_ID}/stats").respond_with_json(
        load("comfycontrol-docs/managed-runner-stats.json")
    )

    assert fetch(httpserver, kind="self_hosted").stats.ram_total == 253344550912


@pytest.mark.parametrize(
    ("status", "error", "body"),
    [
        (401, errors.Unauthorized, "comfycontrol-docs/error-401.json"),
        (403, errors.Forbidden, "comfycontrol-docs/error-403.json"),
        (404, errors.NotFound, "comfycontrol-docs/error-404.json"),
    ],
)
def test_documented_errors_become_their_states(httpserver, status, error, body):
    httpserver.expect_request(STATS_PATH).respond_with_json(load(body), status=status)

    with pytest.raises(error) as raised:
        fetch(httpserver)

    assert raised.value.detail == load(body)["message"]


@pytest.mark.parametrize(("status", "code"), [(429, "rate_limited"), (500, "upstream_error"),
                                              (503, "upstream_error"), (502, "upstream_error"),
                                              (418, "bad_response")])  # fmt: skip
def test_every_status_becomes_a_state(httpserver, status, code):
    httpserver.expect_request(STATS_PATH).respond_with_data("", status=status)

    with pytest.raises(errors.UpstreamError) as raised:
        fetch(httpserver)

    assert raised.value.code == code


def test_an_error_without_the_documented_body_still_has_a_sentence(httpserver):
    httpserver.expect_request(STATS_PATH).respond_with_data("<h1>Bad gateway</h1>", status=401)

    with pytest.raises(errors.Unauthorized) as raised:
        fetch(httpserver)

    assert "token" in raised.value.sentence
    assert raised.value.detail == ""


def test_a_list_page_reads_ids_names_and_tags_but_never_headers(httpserver):
    httpserver.expect_request("/v1/runner", query_string="page=1&per_page=100").respond_with_json(
        load("comfycontrol-docs/runner-list.json")
    )

    listings, total = comfycontrol.list_page(
        httpserver.url_for(""), "cfc_test", "self_hosted", 1, LIMITS
    )

    assert total == 2
    assert listings[0].name == "Production GPU Runner"
    assert listings[0].tags == ("production", "gpu-a100")
    assert "secret_token" not in repr(listings)
