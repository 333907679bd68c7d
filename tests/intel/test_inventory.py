"""A direct runner's node inventory: fetched when its software changes, never on every poll."""

import json

import pytest
from django.utils import timezone
from werkzeug import Response

from runners.intel.models import ModelFile, NodeClass, Software
from runners.polling.refresh import refresh
from runners.status import Status
from runners.upstream.errors import BadResponse
from runners.upstream.inventory import parse_object_info
from tests.bodies import load, serve_comfyui_with_packs
from tests.factories import make_runner, make_team

pytestmark = pytest.mark.django_db


@pytest.fixture
def packs_server(httpserver):
    httpserver.no_handler_status_code = 404
    serve_comfyui_with_packs(httpserver)
    return httpserver


def object_info_requests(server) -> int:
    return sum(request.path == "/api/object_info" for request, _ in server.log)


def test_the_first_fetch_stores_node_classes_by_pack_and_model_files(packs_server):
    runner = make_runner(make_team(), base_url=packs_server.url_for(""))

    refresh(runner)

    assert NodeClass.objects.filter(runner=runner).count() == 514
    assert NodeClass.objects.get(runner=runner, name="Seed (rgthree)").pack == "rgthree-comfy"
    assert NodeClass.objects.get(runner=runner, name="KSampler").pack == ""
    assert set(ModelFile.objects.filter(runner=runner).values_list("folder", "name")) == {
        ("checkpoints", "sd_xl_base_1.0.safetensors"),
        ("checkpoints", "v1-5-pruned-emaonly-fp16.safetensors"),
        ("loras", "detail-tweaker-xl.safetensors"),
        ("vae", "sdxl_vae.safetensors"),
    }


def test_the_software_row_holds_packs_from_extensions_and_from_nodes(packs_server):
    runner = make_runner(make_team(), base_url=packs_server.url_for(""))

    refresh(runner)

    software = Software.objects.get(runner=runner)
    assert software.packs == ["ComfyUI-Custom-Scripts", "rgthree-comfy", "Tiny Pack"]
    assert software.comfyui_version == "0.3.64"
    assert software.has_inventory


def test_a_fetch_with_the_same_software_does_not_fetch_the_inventory_again(packs_server):
    runner = make_runner(make_team(), base_url=packs_server.url_for(""), poll_interval=5)
    refresh(runner)

    refresh(runner, force=True)

    assert object_info_requests(packs_server) == 1


def test_a_new_pack_set_fetches_the_inventory_again(httpserver, time_machine):
    extensions = load("comfyui-0.3.64-cpu-packs/extensions.json")
    shown = {"paths": extensions}
    httpserver.expect_request("/api/extensions").respond_with_handler(
        lambda _request: Response(json.dumps(shown["paths"]), content_type="application/json")
    )
    serve_comfyui_with_packs(httpserver)
    runner = make_runner(make_team(), base_url=httpserver.url_for(""), poll_interval=5)
    time_machine.move_to(timezone.now(), tick=True)
    refresh(runner)
    shown["paths"] = [path for path in extensions if "Tiny" not in path]
    time_machine.shift(60)

    refresh(runner)

    assert object_info_requests(httpserver) == 2
    assert "Tiny Pack" not in Software.objects.get(runner=runner).packs


def test_an_inventory_over_its_cap_is_its_own_failure_not_the_runners(packs_server, settings):
    settings.INVENTORY_MAX_BYTES = 100_000
    runner = make_runner(make_team(), base_url=packs_server.url_for(""))

    state = refresh(runner)

    software = Software.objects.get(runner=runner)
    assert state.status == Status.OK
    assert "larger than" in software.inventory_error
    assert not NodeClass.objects.filter(runner=runner).exists()


def test_a_runner_without_object_info_keeps_working(httpserver):
    httpserver.no_handler_status_code = 404
    httpserver.expect_request("/api/object_info").respond_with_response(Response(status=404))
    from tests.bodies import serve_comfyui_cpu

    serve_comfyui_cpu(httpserver)
    runner = make_runner(make_team(), base_url=httpserver.url_for(""))

    state = refresh(runner)

    assert state.status == Status.OK
    assert Software.objects.get(runner=runner).inventory_error


def test_a_version_longer_than_the_software_row_keeps_the_runner_up(httpserver):
    httpserver.no_handler_status_code = 404
    body = load("comfyui-0.3.64-cpu-packs/system_stats.json")
    body["system"]["comfyui_version"] = "0.3.64-" + "x" * 190
    httpserver.expect_request("/api/system_stats").respond_with_json(body)
    serve_comfyui_with_packs(httpserver)  # the routes after system stats, as usual
    runner = make_runner(make_team(), base_url=httpserver.url_for(""))

    state = refresh(runner)

    assert state.status == Status.OK
    stored = Software.objects.get(runner=runner).comfyui_version
    assert stored.startswith("0.3.64-x") and len(stored) <= 100


@pytest.mark.parametrize(
    "body",
    [b"[1, 2]", b"not json", b"[" * 100_000 + b"]" * 100_000, b'{"a": NaN}'],
    ids=["a-list", "not-json", "deep", "nan"],
)
def test_an_object_info_of_another_shape_is_a_bad_response(body):
    with pytest.raises(BadResponse):
        parse_object_info(body)


def test_node_class_and_pack_names_are_cleaned():
    body = json.dumps(
        {"Evil\u202enode\x07": {"python_module": "custom_nodes.bad\u200fpack", "input": {}}}
    ).encode()

    assert parse_object_info(body) == {"Evil node": "bad pack"}
