"""A ComfyUI server reached directly, served by pytest-httpserver on loopback."""

import json

import pytest

from runners.upstream import comfyui, errors
from runners.upstream.egress import EgressPolicy, Limits
from tests.bodies import load

POLICY = EgressPolicy(allow_loopback=True)
LIMITS = Limits(connect_timeout=1, read_timeout=1, deadline=2, max_bytes=1_000_000)


@pytest.fixture(autouse=True)
def _unknown_paths_are_404(httpserver):
    # Like a real ComfyUI server (pytest-httpserver answers 500 by default).
    httpserver.no_handler_status_code = 404


def serve_comfyui(httpserver, prefix="/api", dev_mode=None, queue=None):
    httpserver.expect_request(f"{prefix}/system_stats").respond_with_json(
        load("comfyui-0.3.64-cpu/system_stats.json")
    )
    httpserver.expect_request(f"{prefix}/extensions").respond_with_json(
        [*load("comfyui-0.3.64-cpu/extensions.json"), "/extensions/rgthree-comfy/rgthree.js"]
    )
    httpserver.expect_request(f"{prefix}/queue").respond_with_json(
        queue or load("comfyui-0.3.64-cpu/queue.json")
    )
    httpserver.expect_request(f"{prefix}/settings/Comfy.DevMode").respond_with_data(
        json.dumps(dev_mode), content_type="application/json"
    )


def serve_comfyui_without_settings(httpserver):
    httpserver.expect_request("/api/system_stats").respond_with_json(
        load("comfyui-0.3.64-cpu/system_stats.json")
    )
    httpserver.expect_request("/api/extensions").respond_with_json([])


def fetch(httpserver, headers=None):
    return comfyui.fetch_stats(httpserver.url_for(""), headers or {}, POLICY, LIMITS)


def test_a_current_server_answers_on_the_api_routes(httpserver):
    serve_comfyui(httpserver)

    fetched = fetch(httpserver)

    assert str(fetched.stats.comfyui_version) == "0.3.64"
    assert fetched.stats.devices[0].type == "cpu"
    assert [pack.name for pack in fetched.stats.custom_packs] == ["rgthree-comfy"]


def test_a_server_older_than_mid_2024_is_read_on_the_unprefixed_routes(httpserver):
    serve_comfyui(httpserver, prefix="")

    fetched = fetch(httpserver)

    assert str(fetched.stats.comfyui_version) == "0.3.64"
    assert fetched.stats.extensions


def test_a_fresh_servers_null_dev_mode_is_comfyuis_default_off(httpserver):
    serve_comfyui(httpserver, dev_mode=None)

    stats = fetch(httpserver).stats

    assert (stats.dev_mode, stats.dev_mode_label) == (False, "off (default)")


def test_a_multi_user_servers_401_on_settings_says_it_needs_a_user(httpserver):
    serve_comfyui_without_settings(httpserver)
    httpserver.expect_request("/api/settings/Comfy.DevMode").respond_with_data("", status=401)

    stats = fetch(httpserver).stats

    assert stats.dev_mode is None and stats.dev_mode_needs_user
    assert stats.dev_mode_label == "unknown: multi-user server"


def test_a_multi_user_server_reads_the_setting_of_the_user_in_a_comfy_user_header(httpserver):
    serve_comfyui_without_settings(httpserver)
    httpserver.expect_request(
        "/api/settings/Comfy.DevMode", headers={"comfy-user": "alice"}
    ).respond_with_json(True)
    httpserver.expect_request("/api/settings/Comfy.DevMode").respond_with_data("", status=401)

    assert fetch(httpserver, headers={"comfy-user": "alice"}).stats.dev_mode_label == "on"


def test_dev_mode_is_read_from_the_settings_route(httpserver):
    serve_comfyui(httpserver, dev_mode=True)

    assert fetch(httpserver).stats.dev_mode is True


def test_the_queue_gives_busy_and_depth(httpserver):
    serve_comfyui(httpserver, queue={"queue_running": [[1, "a"]], "queue_pending": [[2], [3]]})

    stats = fetch(httpserver).stats

    assert (stats.queue_running, stats.queue_pending, stats.is_busy) == (1, 2, True)


def test_a_server_without_the_queue_route_still_gives_stats(httpserver):
    httpserver.expect_request("/api/system_stats").respond_with_json(
        load("comfyui-0.3.64-cpu/system_stats.json")
    )
    httpserver.expect_request("/api/extensions").respond_with_json([])

    stats = fetch(httpserver).stats

    assert stats.queue_running is None
    assert stats.dev_mode is None


def test_custom_headers_reach_the_server(httpserver):
    serve_comfyui(httpserver)

    fetch(httpserver, headers={"Authorization": "Bearer proxy-token"})

    assert all(
        request.headers["Authorization"] == "Bearer proxy-token" for request, _ in httpserver.log
    )


def test_argv_is_fetched_apart_from_the_stats(httpserver):
    serve_comfyui(httpserver)

    fetched = fetch(httpserver)

    assert fetched.argv[0] == "main.py"
    assert "argv" not in json.dumps(fetched.stats.to_dict())


def test_argv_is_cleaned_and_capped(httpserver):
    body = load("comfyui-0.3.64-cpu/system_stats.json")
    body["system"]["argv"] = ["main.py", "--x\u202e\x00y", 3, {"a": 1}, *["A" * 500] * 100]
    httpserver.expect_request("/api/system_stats").respond_with_json(body)
    httpserver.expect_request("/api/extensions").respond_with_json([])

    argv = fetch(httpserver).argv

    assert argv[:2] == ("main.py", "--x y")
    assert len(argv) == 64
    assert all(len(arg) <= 200 for arg in argv)


@pytest.mark.parametrize("status", [401, 403])
def test_a_proxy_refusing_access_points_at_the_custom_headers(httpserver, status):
    httpserver.expect_request("/api/system_stats").respond_with_data("no", status=status)

    with pytest.raises(errors.Unauthorized, match="custom headers"):
        fetch(httpserver)


def test_a_url_with_no_comfyui_behind_it_is_not_found(httpserver):
    with pytest.raises(errors.NotFound, match="base URL"):
        fetch(httpserver)


def test_a_server_error_is_an_upstream_error(httpserver):
    httpserver.expect_request("/api/system_stats").respond_with_data("boom", status=502)

    with pytest.raises(errors.UpstreamFailure, match="HTTP 502"):
        fetch(httpserver)


def test_a_redirect_is_not_followed(httpserver):
    httpserver.expect_request("/api/system_stats").respond_with_data(
        "", status=302, headers={"Location": "http://169.254.169.254/latest/meta-data/"}
    )

    with pytest.raises(errors.BadResponse, match="redirect"):
        fetch(httpserver)
    assert len(httpserver.log) == 1


def test_html_instead_of_json_is_a_bad_response(httpserver):
    httpserver.expect_request("/api/system_stats").respond_with_data("<html>login</html>")

    with pytest.raises(errors.BadResponse):
        fetch(httpserver)


def test_json_of_the_wrong_shape_is_a_bad_response(httpserver):
    httpserver.expect_request("/api/system_stats").respond_with_json({"hello": "world"})

    with pytest.raises(errors.BadResponse):
        fetch(httpserver)
