"""Reading a workflow a user pasted or uploaded: which node classes and model files it needs.

Accepts ComfyUI's UI format (`nodes[].type`, subgraphs in `definitions.subgraphs`), its API format
(`{id: {class_type, inputs}}`) and a PNG ComfyUI saved (tEXt chunks `workflow` and `prompt`).
Nothing is executed, stored or sent anywhere.
"""

from __future__ import annotations

import json
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from runners.text import clean_text

MAX_BYTES = 5 * 1024 * 1024
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Nodes that live in the browser only: ComfyUI's server never sees them.
FRONTEND_ONLY = frozenset({"Note", "MarkdownNote", "Reroute", "PrimitiveNode"})
SKIPPED_MODES = (2, 4)  # muted and bypassed nodes are left out of what is sent to run
# Loader nodes: (input name, its position among the node's widgets, model folder).
LOADERS: dict[str, tuple[tuple[str, int, str], ...]] = {
    "CheckpointLoaderSimple": (("ckpt_name", 0, "checkpoints"),),
    "CheckpointLoader": (("ckpt_name", 1, "checkpoints"),),
    "ImageOnlyCheckpointLoader": (("ckpt_name", 0, "checkpoints"),),
    "unCLIPCheckpointLoader": (("ckpt_name", 0, "checkpoints"),),
    "LoraLoader": (("lora_name", 0, "loras"),),
    "LoraLoaderModelOnly": (("lora_name", 0, "loras"),),
    "VAELoader": (("vae_name", 0, "vae"),),
    "UNETLoader": (("unet_name", 0, "diffusion_models"),),
    "CLIPLoader": (("clip_name", 0, "text_encoders"),),
    "DualCLIPLoader": (("clip_name1", 0, "text_encoders"), ("clip_name2", 1, "text_encoders")),
    "TripleCLIPLoader": tuple((f"clip_name{i}", i - 1, "text_encoders") for i in (1, 2, 3)),
    "CLIPVisionLoader": (("clip_name", 0, "clip_vision"),),
    "ControlNetLoader": (("control_net_name", 0, "controlnet"),),
    "DiffControlNetLoader": (("control_net_name", 0, "controlnet"),),
    "UpscaleModelLoader": (("model_name", 0, "upscale_models"),),
    "StyleModelLoader": (("style_model_name", 0, "style_models"),),
    "GLIGENLoader": (("gligen_name", 0, "gligen"),),
}

NOT_JSON = "This is neither JSON nor a PNG: paste a workflow saved from ComfyUI."
NEITHER_FORMAT = (
    "This JSON is not a ComfyUI workflow: it has neither nodes with a type (UI format) "
    "nor nodes with a class_type (API format)."
)
PNG_WITHOUT_WORKFLOW = "This PNG carries no ComfyUI workflow in its metadata."
TOO_LARGE = f"The workflow is larger than {MAX_BYTES // (1024 * 1024)} MB."
EMPTY = "Paste a workflow or choose a file."


class WorkflowError(ValueError):
    """A workflow that cannot be read; the message is a sentence for the form field."""


@dataclass(frozen=True)
class ModelNeed:
    folder: str
    name: str


@dataclass(frozen=True)
class Workflow:
    """What a workflow needs to run: node classes and model files, sorted."""

    format: str  # "UI", "API" or "PNG (UI)" …
    node_classes: tuple[str, ...]
    models: tuple[ModelNeed, ...]
    skipped: int = 0  # muted, bypassed and browser-only nodes, which need nothing


def parse(data: bytes) -> Workflow:
    """The needs of a workflow given as JSON text or a PNG; raises WorkflowError."""
    if len(data) > MAX_BYTES:
        raise WorkflowError(TOO_LARGE)
    if not data.strip():
        raise WorkflowError(EMPTY)
    if data.startswith(PNG_SIGNATURE):
        return _from_png(data)
    return from_document(_json(data))


def from_document(doc: object, label: str = "") -> Workflow:
    """The needs of a decoded workflow in either format; raises WorkflowError."""
    if isinstance(doc, dict) and isinstance(doc.get("nodes"), list):
        return _ui(doc, f"{label}UI format")
    if isinstance(doc, dict) and isinstance(doc.get("prompt"), dict):
        doc = doc["prompt"]  # the body the browser sends to /prompt
    if isinstance(doc, dict) and doc and all(_is_api_node(v) for v in doc.values()):
        return _api(doc, f"{label}API format")
    raise WorkflowError(NEITHER_FORMAT)


def _json(data: bytes) -> Any:
    try:
        return json.loads(data)
    except (ValueError, RecursionError):
        raise WorkflowError(NOT_JSON) from None


def _is_api_node(value: object) -> bool:
    return isinstance(value, dict) and isinstance(value.get("class_type"), str)


def _api(doc: dict[str, Any], label: str) -> Workflow:
    classes: set[str] = set()
    models: set[ModelNeed] = set()
    for node in doc.values():
        kind = node["class_type"]
        classes.add(kind)
        inputs = node.get("inputs") if isinstance(node.get("inputs"), dict) else {}
        for name, _, folder in LOADERS.get(kind, ()):
            _add(models, folder, inputs.get(name))
    return _workflow(label, classes, models, 0)


def _ui(doc: dict[str, Any], label: str) -> Workflow:
    definitions = doc.get("definitions") if isinstance(doc.get("definitions"), dict) else {}
    subgraphs = {
        graph.get("id"): graph
        for graph in definitions.get("subgraphs") or ()
        if isinstance(graph, dict) and isinstance(graph.get("nodes"), list)
    }
    classes: set[str] = set()
    models: set[ModelNeed] = set()
    skipped = 0
    for node in _ui_nodes(doc["nodes"], subgraphs, set()):
        kind = node.get("type")
        if not isinstance(kind, str) or kind in FRONTEND_ONLY or node.get("mode") in SKIPPED_MODES:
            skipped += 1
            continue
        classes.add(kind)
        _ui_models(node, kind, models)
    return _workflow(label, classes, models, skipped)


def _ui_nodes(
    nodes: list[Any], subgraphs: dict[Any, dict[str, Any]], open_: set[Any]
) -> Iterator[dict[str, Any]]:
    """The nodes, with a subgraph node replaced by its definition's nodes (its type is the
    subgraph's id, not a node class). A subgraph that contains itself is read once."""
    for node in nodes:
        if not isinstance(node, dict):
            continue
        kind = node.get("type")
        if kind in subgraphs:
            if kind not in open_ and node.get("mode") not in SKIPPED_MODES:
                yield from _ui_nodes(subgraphs[kind]["nodes"], subgraphs, open_ | {kind})
            continue
        yield node


def _ui_models(node: dict[str, Any], kind: str, models: set[ModelNeed]) -> None:
    properties = node.get("properties") if isinstance(node.get("properties"), dict) else {}
    listed = properties.get("models")
    # Newer front ends list a loader's files with their folder; older ones only widget values.
    if isinstance(listed, list) and listed:
        for entry in listed:
            if isinstance(entry, dict):
                _add(models, entry.get("directory"), entry.get("name"))
        return
    values = node.get("widgets_values")
    if not isinstance(values, list):
        return
    for _, index, folder in LOADERS.get(kind, ()):
        _add(models, folder, values[index] if index < len(values) else None)


def _add(models: set[ModelNeed], folder: object, name: object) -> None:
    folder, name = clean_text(folder, 50), clean_text(name, 500)
    if folder and name:
        models.add(ModelNeed(folder, name.replace("\\", "/")))


def _workflow(label: str, classes: set[str], models: set[ModelNeed], skipped: int) -> Workflow:
    cleaned = {name for c in classes if (name := clean_text(c, 200))}
    return Workflow(
        label,
        tuple(sorted(cleaned, key=str.casefold)),
        tuple(sorted(models, key=lambda m: (m.folder, m.name.casefold()))),
        skipped,
    )


def _from_png(data: bytes) -> Workflow:
    texts = dict(_png_texts(data))
    # The UI format is the richer: it keeps bypassed nodes out and names model folders.
    for key in ("workflow", "prompt"):
        if key in texts:
            try:
                return from_document(json.loads(texts[key]), "PNG, ")
            except (ValueError, RecursionError, WorkflowError):
                continue
    raise WorkflowError(PNG_WITHOUT_WORKFLOW)


def _png_texts(data: bytes) -> Iterator[tuple[str, str]]:
    """(keyword, text) of each tEXt, zTXt and iTXt chunk; stops at the first damaged chunk."""
    offset = len(PNG_SIGNATURE)
    while offset + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[offset : offset + 8])
        body = data[offset + 8 : offset + 8 + length]
        if len(body) < length or kind == b"IEND":
            return
        text = _chunk_text(kind, body)
        if text is not None:
            yield text
        offset += 12 + length


def _chunk_text(kind: bytes, body: bytes) -> tuple[str, str] | None:
    keyword, _, rest = body.partition(b"\0")
    try:
        if kind == b"tEXt":
            return keyword.decode("latin-1"), rest.decode("latin-1")
        if kind == b"zTXt":
            return keyword.decode("latin-1"), _inflate(rest[1:]).decode("latin-1")
        if kind == b"iTXt":
            compressed, rest = rest[0], rest[2:]
            _language, _, rest = rest.partition(b"\0")
            _translated, _, text = rest.partition(b"\0")
            return keyword.decode("latin-1"), (_inflate(text) if compressed else text).decode()
    except (zlib.error, UnicodeDecodeError, IndexError):
        return None
    return None


def _inflate(data: bytes) -> bytes:
    """Inflated text, refusing more than the workflow cap (a small chunk can inflate hugely)."""
    inflater = zlib.decompressobj()
    text = inflater.decompress(data, MAX_BYTES + 1)
    if len(text) > MAX_BYTES:
        raise zlib.error("too large")
    return text
