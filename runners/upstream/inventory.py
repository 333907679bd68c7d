"""A direct runner's node inventory: node classes by pack (`/object_info`) and model files.

`/object_info` describes every input of every node class: several MB on a server with many packs.
Only each class's `python_module` is kept, so decoding drops everything else as it goes.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from itertools import islice
from typing import Any

from runners.text import clean_text
from runners.upstream import errors
from runners.upstream.comfyui import Server, checked
from runners.upstream.egress import EgressPolicy, Limits
from runners.upstream.responses import UNREADABLE, json_body

# The folders whose files loader nodes name; ComfyUI before 0.3 called two of them unet and clip.
MODEL_FOLDERS = (
    "checkpoints", "loras", "vae", "diffusion_models", "text_encoders", "unet", "clip",
    "controlnet", "upscale_models", "clip_vision", "embeddings",
)  # fmt: skip
MAX_NODE_CLASSES = 20_000
MAX_MODEL_FILES = 5_000  # per folder
MODEL_LIST_MAX_BYTES = 1024 * 1024
CUSTOM_PREFIX = "custom_nodes."


@dataclass(frozen=True)
class Inventory:
    """Node class -> pack ("" for ComfyUI's own), and model file names by folder."""

    nodes: dict[str, str]
    models: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def packs(self) -> list[str]:
        return sorted({pack for pack in self.nodes.values() if pack}, key=str.casefold)


def fetch_inventory(
    base_url: str, headers: Mapping[str, str], policy: EgressPolicy, limits: Limits
) -> Inventory:
    """The runner's node classes and model files within `limits`; raises an UpstreamError."""
    server = Server(base_url, headers, policy, limits, time.monotonic() + limits.deadline)
    response = server.get("/object_info")
    if response.status == 404:  # servers older than mid-2024 only have unprefixed routes
        server = replace(server, prefix="")
        response = server.get("/object_info")
    nodes = parse_object_info(checked(response).body)
    folders = _listed_folders(server)
    models = {folder: _model_files(server, folder) for folder in MODEL_FOLDERS if folder in folders}
    return Inventory(nodes, {folder: files for folder, files in models.items() if files})


def parse_object_info(body: bytes) -> dict[str, str]:
    """Node class -> pack from an `/object_info` body; raises BadResponse for another shape."""
    try:
        doc = json.loads(body, object_pairs_hook=_module_only, parse_constant=_refuse)
    except (ValueError, RecursionError):
        raise errors.BadResponse(UNREADABLE, detail="object_info is not JSON") from None
    if not isinstance(doc, dict):
        raise errors.BadResponse(UNREADABLE, detail="object_info is not an object")
    nodes = {}
    for name, info in islice(doc.items(), MAX_NODE_CLASSES):
        clean = clean_text(name, 200)
        if clean and isinstance(info, dict):
            nodes[clean] = pack_of(info.get("python_module"))
    return nodes


def pack_of(module: object) -> str:
    """The custom-node folder a `python_module` names ("custom_nodes.<folder>"), else ""."""
    if isinstance(module, str) and module.startswith(CUSTOM_PREFIX):
        return clean_text(module.removeprefix(CUSTOM_PREFIX), 200) or ""
    return ""


def parse_model_list(doc: object) -> tuple[str, ...]:
    """File names from a `/models/<folder>` body (strings; newer servers may send objects)."""
    if not isinstance(doc, list):
        raise errors.BadResponse(UNREADABLE, detail="a model list is not a list")
    names = (item.get("name") if isinstance(item, dict) else item for item in doc)
    cleaned = (clean_text(name, 500) for name in names)
    return tuple(islice((name.replace("\\", "/") for name in cleaned if name), MAX_MODEL_FILES))


def _module_only(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # Called for every object, innermost first: a class's inputs are dropped as soon as decoded.
    return {key: value for key, value in pairs if key == "python_module" or isinstance(value, dict)}


def _refuse(name: str) -> None:
    raise ValueError(name)


def _listed_folders(server: Server) -> set[str]:
    response = server.get("/models", MODEL_LIST_MAX_BYTES)
    doc = json_body(response) if response.status == 200 else None
    return {name for name in doc if isinstance(name, str)} if isinstance(doc, list) else set()


def _model_files(server: Server, folder: str) -> tuple[str, ...]:
    response = server.get(f"/models/{folder}", MODEL_LIST_MAX_BYTES)
    return parse_model_list(json_body(response)) if response.status == 200 else ()
