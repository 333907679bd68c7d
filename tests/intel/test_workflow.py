"""Reading workflows as users save them: UI and API formats, subgraphs, PNGs, bad input."""

import json
import struct
import zlib

import pytest

from runners.intel.workflow import (
    MAX_BYTES,
    NEITHER_FORMAT,
    NOT_JSON,
    PNG_WITHOUT_WORKFLOW,
    TOO_LARGE,
    ModelNeed,
    WorkflowError,
    parse,
)
from tests.bodies import FIXTURES

WORKFLOWS = FIXTURES / "workflows"
BLUR = ("EmptyImage", "ImageBlur", "SaveImage")


def read(name: str) -> bytes:
    return (WORKFLOWS / name).read_bytes()


def png_with(chunks: list[tuple[bytes, bytes]]) -> bytes:
    """A 1x1 PNG carrying these (type, data) chunks before its image data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
    image = chunk(b"IDAT", zlib.compress(b"\0\0"))
    extra = b"".join(chunk(kind, data) for kind, data in chunks)
    return b"\x89PNG\r\n\x1a\n" + header + extra + image + chunk(b"IEND", b"")


def test_the_default_workflow_needs_its_six_classes_and_its_checkpoint():
    workflow = parse(read("template-default.json"))

    assert workflow.node_classes == (
        "CheckpointLoaderSimple", "CLIPTextEncode", "EmptyLatentImage", "KSampler",
        "SaveImage", "VAEDecode",
    )  # fmt: skip
    assert workflow.models == (ModelNeed("checkpoints", "v1-5-pruned-emaonly-fp16.safetensors"),)


def test_the_ui_and_api_formats_of_one_graph_need_the_same_classes():
    assert parse(read("workflow-ui-blur.json")).node_classes == BLUR
    assert parse(read("workflow-api-blur.json")).node_classes == BLUR
    assert parse(read("workflow-api-blur.json")).format == "API format"


def test_the_png_comfyui_saved_carries_its_workflow():
    workflow = parse(read("comfyui-saved-blur.png"))

    assert workflow.node_classes == BLUR
    assert workflow.format.startswith("PNG")


def test_a_png_with_only_a_compressed_api_prompt_is_read():
    prompt = read("workflow-api-blur.json")
    png = png_with([(b"zTXt", b"prompt\0\0" + zlib.compress(prompt))])

    assert parse(png).node_classes == BLUR


def test_nodes_inside_a_subgraph_count_and_the_subgraph_id_does_not():
    workflow = parse(read("user-ui-subgraph-rgthree.json"))

    assert "Seed (rgthree)" in workflow.node_classes
    assert not any("-" in name and len(name) == 36 for name in workflow.node_classes)
    assert ModelNeed("vae", "sdxl_vae.safetensors") in workflow.models


def test_notes_and_bypassed_nodes_need_nothing():
    workflow = parse(read("user-ui-subgraph-rgthree.json"))

    assert "Note" not in workflow.node_classes
    assert "LoraLoader" not in workflow.node_classes
    assert workflow.skipped == 2


def test_a_template_with_subgraph_definitions_lists_its_loaders_models():
    workflow = parse(read("template-qwen-edit-subgraph.json"))

    assert ModelNeed("diffusion_models", "qwen_image_edit_2509_fp8_e4m3fn.safetensors") in (
        workflow.models
    )
    assert "MarkdownNote" not in workflow.node_classes


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"this is not json", NOT_JSON),
        (b'{"hello": "world"}', NEITHER_FORMAT),
        (b"[1, 2, 3]", NEITHER_FORMAT),
        (png_with([]), PNG_WITHOUT_WORKFLOW),
        (png_with([(b"tEXt", b"workflow\0{not json")]), PNG_WITHOUT_WORKFLOW),
        (b" " * (MAX_BYTES + 1), TOO_LARGE),
    ],
    ids=["not-json", "neither-format", "a-list", "png-without", "png-broken", "too-large"],
)
def test_bad_input_gets_a_clear_error(data, message):
    with pytest.raises(WorkflowError, match=message[:30]):
        parse(data)


def test_a_subgraph_that_contains_itself_is_read_once():
    doc = {
        "nodes": [{"id": 1, "type": "g"}],
        "definitions": {"subgraphs": [{"id": "g", "nodes": [{"type": "g"}, {"type": "KSampler"}]}]},
    }

    assert parse(json.dumps(doc).encode()).node_classes == ("KSampler",)
