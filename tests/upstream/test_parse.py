import json

import pytest

from runners.stats import OTHER_PACK, Device, RunnerStats, Version
from runners.text import MAX_TEXT
from runners.upstream.errors import BadResponse
from runners.upstream.parse import (
    MAX_EXTENSIONS,
    MAX_NUMBER,
    parse_comfycontrol_stats,
    parse_dev_mode,
    parse_extensions,
    parse_queue,
    parse_system_stats,
)
from tests.bodies import load

GIB = 1024**3


def system_stats(system: dict | None = None, devices: list | None = None) -> dict:
    return {
        "system": {"os": "posix", "comfyui_version": "0.3.64"} | (system or {}),
        "devices": devices if devices is not None else [{"name": "cpu", "type": "cpu"}],
    }


def one_device(**entry: object) -> Device:
    return parse_system_stats(system_stats(devices=[entry])).devices[0]


def comfyui_version(raw: object) -> Version | None:
    return parse_system_stats(system_stats({"comfyui_version": raw})).comfyui_version


# The ComfyControl documentation body


def test_comfycontrol_doc_body_has_one_h100():
    stats = parse_comfycontrol_stats(load("comfycontrol-docs/managed-runner-stats.json"))
    (device,) = stats.devices
    assert device.model == "NVIDIA H100 80GB HBM3"
    assert device.torch_device == "cuda:0"
    assert device.allocator == "cudaMallocAsync"
    assert device.type == "cuda"
    assert device.index == 0
    assert device.vram_total == 84942848000
    assert device.vram_free == 84316848128


def test_comfycontrol_doc_body_system_fields():
    stats = parse_comfycontrol_stats(load("comfycontrol-docs/managed-runner-stats.json"))
    assert stats.os == "posix"
    assert stats.ram_total == 253344550912
    assert stats.ram_free == 239499096064
    assert str(stats.comfyui_version) == "0.3.77"
    assert stats.python_version == "3.12.12"
    assert stats.python_version_full == "3.12.12 (main, Oct 15 2025, 09:20:08) [GCC]"
    assert stats.dev_mode is False


def test_comfycontrol_doc_body_groups_custom_packs_and_collapses_core():
    stats = parse_comfycontrol_stats(load("comfycontrol-docs/managed-runner-stats.json"))
    assert [(p.name, p.is_core) for p in stats.packs] == [
        ("core", True),
        ("ComfyUI-Manager", False),
        ("rgthree-comfy", False),
    ]
    assert stats.packs[0].files == ("groupNodeManage.js", "groupNode.js")
    assert [p.name for p in stats.custom_packs] == ["ComfyUI-Manager", "rgthree-comfy"]


def test_comfycontrol_doc_body_keeps_the_raw_extension_list():
    stats = parse_comfycontrol_stats(load("comfycontrol-docs/managed-runner-stats.json"))
    assert len(stats.extensions) == 4
    assert stats.extensions[2] == "/extensions/ComfyUI-Manager/comfyui-manager.js"


def test_comfycontrol_doc_body_largest_vram_free_is_the_h100s():
    stats = parse_comfycontrol_stats(load("comfycontrol-docs/managed-runner-stats.json"))
    assert stats.largest_vram_free == 84316848128


# The real ComfyUI 0.3.64 --cpu server


def test_cpu_server_system_stats():
    stats = parse_system_stats(load("comfyui-0.3.64-cpu/system_stats.json"))
    assert stats.os == "posix"
    assert stats.comfyui_version == Version("0.3.64", (0, 3, 64))
    assert stats.python_version == "3.11.7"
    assert stats.pytorch_version == "2.14.1+cu130"
    assert stats.ram_used == 25276502016 - 23663456256


def test_cpu_server_device_is_system_ram_without_index():
    (device,) = parse_system_stats(load("comfyui-0.3.64-cpu/system_stats.json")).devices
    assert device.type == "cpu"
    assert device.model == "CPU"
    assert device.index is None
    assert device.allocator is None
    assert device.vram_is_system_ram is True


def test_cpu_server_has_no_gpu_vram():
    stats = parse_system_stats(load("comfyui-0.3.64-cpu/system_stats.json"))
    assert stats.largest_vram_free is None


def test_system_stats_leaves_direct_only_fields_unknown():
    stats = parse_system_stats(load("comfyui-0.3.64-cpu/system_stats.json"))
    assert (stats.extensions, stats.dev_mode, stats.queue_running, stats.is_busy) == (
        (),
        None,
        None,
        None,
    )


def test_argv_is_never_kept():
    stats = parse_system_stats(load("comfyui-0.3.64-cpu/system_stats.json"))
    assert "argv" not in stats.to_dict()
    assert "--listen" not in json.dumps(stats.to_dict())


def test_cpu_server_extensions_are_all_core():
    paths = parse_extensions(load("comfyui-0.3.64-cpu/extensions.json"))
    stats = RunnerStats(extensions=paths)
    assert len(paths) == 19
    assert [p.name for p in stats.packs] == ["core"]
    assert "load3d/NodeStorage.js" in stats.packs[0].files


def test_idle_queue_fixture():
    assert parse_queue(load("comfyui-0.3.64-cpu/queue.json")) == (0, 0)


# Variations between ComfyUI releases


@pytest.mark.parametrize("os_name", ["posix", "nt", "linux", "darwin", "win32"])
def test_os_is_kept_as_sent(os_name):
    assert parse_system_stats(system_stats({"os": os_name})).os == os_name


def test_all_gpus_are_parsed_in_order():
    devices = [
        {"name": "cuda:0 NVIDIA A100-SXM4-80GB : cudaMallocAsync", "type": "cuda", "index": 0},
        {"name": "cuda:1 NVIDIA A100-SXM4-80GB : cudaMallocAsync", "type": "cuda", "index": 1},
    ]
    stats = parse_system_stats(system_stats(devices=devices))
    assert [d.torch_device for d in stats.devices] == ["cuda:0", "cuda:1"]


def test_empty_device_list_parses():
    assert parse_system_stats(system_stats(devices=[])).devices == ()


def test_mps_index_is_none_and_vram_is_system_ram():
    device = one_device(name="mps", type="mps", index=None)
    assert (device.model, device.index, device.vram_is_system_ram) == ("Apple MPS", None, True)


def test_native_allocator_is_parsed():
    device = one_device(name="cuda:1 NVIDIA GeForce RTX 4090 : native", type="cuda", index=1)
    assert (device.model, device.allocator, device.index) == (
        "NVIDIA GeForce RTX 4090",
        "native",
        1,
    )


def test_index_comes_from_the_torch_device_when_absent():
    assert one_device(name="cuda:3 NVIDIA L4 : native", type="cuda").index == 3


def test_xpu_name_has_model_and_no_allocator():
    device = one_device(name="xpu:0 Intel(R) Arc(TM) A770 Graphics", type="xpu")
    assert (device.torch_device, device.model, device.allocator) == (
        "xpu:0",
        "Intel(R) Arc(TM) A770 Graphics",
        None,
    )


def test_directml_vram_is_flagged_fake():
    device = one_device(
        name="privateuseone:0 AMD Radeon RX 6800",
        type="privateuseone",
        vram_total=GIB,
        vram_free=GIB,
    )
    assert device.vram_is_fake is True
    assert device.vram_used_fraction is None


def test_bare_directml_name_gets_a_label():
    assert one_device(name="privateuseone", type="privateuseone").model == "DirectML device"


def test_largest_vram_free_ignores_fake_and_system_ram_devices():
    devices = [
        {"name": "cpu", "type": "cpu", "vram_free": 100 * GIB, "vram_total": 128 * GIB},
        {"name": "privateuseone:0 X", "type": "privateuseone", "vram_free": GIB},
        {"name": "cuda:0 A", "type": "cuda", "vram_free": 3 * GIB, "vram_total": 8 * GIB},
        {"name": "cuda:1 B", "type": "cuda", "vram_free": 5 * GIB, "vram_total": 8 * GIB},
    ]
    assert parse_system_stats(system_stats(devices=devices)).largest_vram_free == 5 * GIB


def test_legacy_cuda_name_form_is_understood():
    device = one_device(name="CUDA 0: Tesla T4", type="cuda")
    assert (device.torch_device, device.model) == ("cuda:0", "Tesla T4")


def test_model_may_contain_a_colon():
    device = one_device(name="cuda:0 Weird : Card : cudaMallocAsync", type="cuda")
    assert (device.model, device.allocator) == ("Weird : Card", "cudaMallocAsync")


def test_empty_allocator_is_none():
    device = one_device(name="cuda:0 NVIDIA T4 : ", type="cuda")
    assert (device.model, device.allocator) == ("NVIDIA T4", None)


def test_missing_type_is_taken_from_the_name():
    assert one_device(name="cuda:0 NVIDIA T4 : native").type == "cuda"


def test_device_without_name_or_type_is_unknown():
    device = one_device()
    assert (device.type, device.model, device.torch_device) == ("unknown", "UNKNOWN device", None)


def test_vram_used_and_fraction():
    device = one_device(name="cuda:0 A", type="cuda", vram_total=8 * GIB, vram_free=2 * GIB)
    assert device.vram_used == 6 * GIB
    assert device.vram_used_fraction == 0.75


def test_vram_fraction_is_none_when_total_is_zero():
    assert one_device(type="cuda", vram_total=0, vram_free=0).vram_used_fraction is None


def test_unknown_extra_fields_are_ignored():
    doc = system_stats({"comfy_package_versions": {"x": "1"}, "deploy_environment": "cloud"})
    doc["devices"][0] |= {"torch_vram_total": 1, "future": [1, 2]}
    doc["something_new"] = {"nested": True}
    assert parse_system_stats(doc).os == "posix"


def test_missing_optional_fields_are_none():
    stats = parse_system_stats({"system": {}, "devices": []})
    assert stats == RunnerStats()


def test_comfycontrol_body_without_extensions_or_dev_mode():
    stats = parse_comfycontrol_stats({"system": {}, "devices": []})
    assert (stats.extensions, stats.dev_mode) == ((), None)


# Versions


@pytest.mark.parametrize(
    ("raw", "parts"),
    [
        ("0.3.77", (0, 3, 77)),
        ("0.38.1", (0, 38, 1)),
        ("v0.2.2-1-gabc123", (0, 2, 2)),
        ("unknown", None),
    ],
)
def test_version_parts(raw, parts):
    assert comfyui_version(raw) == Version(raw, parts)


def test_version_str_is_raw():
    assert str(comfyui_version("v0.2.2-1-gabc123")) == "v0.2.2-1-gabc123"


def test_versions_compare_numerically_not_as_strings():
    assert Version.parse("0.3.77") < Version.parse("0.38.1")
    assert Version.parse("0.3.9") < Version.parse("0.3.10")


def test_unknown_version_sorts_lowest():
    assert Version.parse("unknown") < Version.parse("0.0.1")


def test_trailing_zero_parts_do_not_change_order():
    assert Version.parse("0.3") <= Version.parse("0.3.0") <= Version.parse("0.3")


@pytest.mark.parametrize("raw", [None, "", 3, ["0.3.1"]])
def test_missing_or_non_string_version_is_none(raw):
    assert comfyui_version(raw) is None


# Wrong shapes


@pytest.mark.parametrize("doc", [None, [], "x", 1, True])
def test_body_that_is_not_an_object_is_bad(doc):
    with pytest.raises(BadResponse):
        parse_system_stats(doc)


@pytest.mark.parametrize("system", [None, [], "posix", 0])
def test_missing_or_wrong_system_is_bad(system):
    with pytest.raises(BadResponse, match="expected shape") as caught:
        parse_comfycontrol_stats({"system": system, "devices": []})
    assert caught.value.detail.startswith("system:")


@pytest.mark.parametrize("devices", [None, {}, "cuda", 0])
def test_missing_or_wrong_devices_is_bad(devices):
    with pytest.raises(BadResponse) as caught:
        parse_system_stats({"system": {}, "devices": devices})
    assert caught.value.detail.startswith("devices:")


def test_device_entry_that_is_not_an_object_is_bad():
    with pytest.raises(BadResponse):
        parse_system_stats({"system": {}, "devices": ["cuda:0"]})


def test_extensions_that_are_not_a_list_are_bad():
    with pytest.raises(BadResponse):
        parse_comfycontrol_stats({"system": {}, "devices": [], "extensions": {"a": 1}})


def test_bad_response_never_echoes_the_input():
    huge = "secret" * 10_000
    with pytest.raises(BadResponse) as caught:
        parse_system_stats({"system": huge, "devices": []})
    assert "secret" not in str(caught.value) + caught.value.detail


# Hostile numbers and strings


@pytest.mark.parametrize("value", [True, -1, "NaN", "123", 1.5, 8.0e9, MAX_NUMBER + 1, None])
def test_implausible_sizes_are_unknown(value):
    assert parse_system_stats(system_stats({"ram_total": value})).ram_total is None


def test_largest_plausible_size_is_kept():
    assert parse_system_stats(system_stats({"ram_total": MAX_NUMBER})).ram_total == MAX_NUMBER


def test_free_vram_above_total_is_clamped():
    device = one_device(type="cuda", vram_total=8 * GIB, vram_free=9 * GIB)
    assert device.vram_free == 8 * GIB


def test_free_ram_above_total_is_clamped():
    stats = parse_system_stats(system_stats({"ram_total": GIB, "ram_free": 2 * GIB}))
    assert stats.ram_free == GIB


@pytest.mark.parametrize("index", [True, -1, 1.0, "0"])
def test_implausible_index_falls_back_to_the_name(index):
    assert one_device(name="cuda:2 X", type="cuda", index=index).index == 2


def test_long_strings_are_truncated_with_an_ellipsis():
    os_name = parse_system_stats(system_stats({"os": "A" * 1000})).os
    assert len(os_name) == MAX_TEXT
    assert os_name.endswith("…")


def test_control_characters_are_removed():
    stats = parse_system_stats(system_stats({"os": "lin\x00ux\u202e\n"}))
    assert stats.os == "lin ux"


def test_lone_surrogates_are_replaced():
    assert parse_system_stats(system_stats({"os": "a\ud800b"})).os == "a\ufffdb"


def test_non_string_extensions_are_dropped():
    assert parse_extensions(["/extensions/a/x.js", 3, None, {}, "", "/extensions/b/y.js"]) == (
        "/extensions/a/x.js",
        "/extensions/b/y.js",
    )


def test_extension_list_is_capped():
    paths = parse_extensions([f"/extensions/p/{i}.js" for i in range(MAX_EXTENSIONS + 5)])
    assert len(paths) == MAX_EXTENSIONS


# Extension packs


def test_unrecognised_paths_go_to_the_other_pack_last():
    stats = RunnerStats(
        extensions=("/extensions/zeta/a.js", "weird.js", "/extensions/x/", "/extensions/Alpha/b.js")
    )
    assert [p.name for p in stats.packs] == ["Alpha", "zeta", OTHER_PACK]
    assert stats.packs[-1].files == ("weird.js", "/extensions/x/")


def test_custom_packs_sort_case_insensitively():
    stats = RunnerStats(
        extensions=("/extensions/b/x.js", "/extensions/A/x.js", "/extensions/c/x.js")
    )
    assert [p.name for p in stats.custom_packs] == ["A", "b", "c"]


def test_pack_files_keep_their_subfolders():
    (pack,) = RunnerStats(extensions=("/extensions/kj/web/js/node.js",)).packs
    assert pack.files == ("web/js/node.js",)


def test_quoted_pack_names_are_unquoted():
    (pack,) = RunnerStats(extensions=("/extensions/My%20Pack/a.js",)).packs
    assert pack.name == "My Pack"


# Queue and dev mode


def test_queue_counts_running_and_pending():
    doc = {"queue_running": [[0, "id", {}, {}, []]], "queue_pending": [[1], [2]]}
    assert parse_queue(doc) == (1, 2)


@pytest.mark.parametrize("doc", [{}, {"queue_running": [], "queue_pending": 3}, [], None])
def test_wrong_queue_shape_is_bad(doc):
    with pytest.raises(BadResponse):
        parse_queue(doc)


@pytest.mark.parametrize(
    ("running", "pending", "busy"), [(0, 0, False), (1, 0, True), (0, 2, True)]
)
def test_is_busy_follows_the_queue(running, pending, busy):
    assert RunnerStats(queue_running=running, queue_pending=pending).is_busy is busy


@pytest.mark.parametrize(("doc", "expected"), [(None, None), (True, True), (False, False)])
def test_dev_mode_setting(doc, expected):
    assert parse_dev_mode(doc) is expected


@pytest.mark.parametrize("doc", ["true", 1, {}, []])
def test_dev_mode_of_another_type_is_unknown(doc):
    assert parse_dev_mode(doc) is None


# Storage


def test_to_dict_round_trips_through_json():
    stats = parse_comfycontrol_stats(load("comfycontrol-docs/managed-runner-stats.json"))
    stored = json.loads(json.dumps(stats.to_dict()))
    assert RunnerStats.from_dict(stored) == stats


def test_to_dict_stores_the_version_as_its_raw_string():
    stats = parse_system_stats(system_stats({"comfyui_version": "v0.2.2-1-gabc123"}))
    assert stats.to_dict()["comfyui_version"] == "v0.2.2-1-gabc123"


def test_from_dict_fills_fields_missing_from_older_rows():
    assert RunnerStats.from_dict({"os": "nt", "retired_field": 1}) == RunnerStats(os="nt")
