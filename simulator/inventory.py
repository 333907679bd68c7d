"""What a simulated ComfyUI server offers: node classes by pack (`/object_info`) and model files.

Derived from the runner's extension packs, so runners differ: some lack a pack a workflow
needs, and a third also has ComfyUI-GGUF, a pack without front-end files (absent from
`/extensions`, visible only in `/object_info`).
"""

from __future__ import annotations

import zlib
from typing import Any

from simulator.runner import SimRunner

CORE_NODES = (
    "KSampler", "KSamplerAdvanced", "CheckpointLoaderSimple", "CLIPTextEncode", "VAEDecode",
    "VAEEncode", "VAELoader", "EmptyLatentImage", "SaveImage", "PreviewImage", "LoadImage",
    "LoraLoader", "LoraLoaderModelOnly", "UNETLoader", "CLIPLoader", "DualCLIPLoader",
    "EmptyImage", "ImageBlur", "ImageScaleToTotalPixels", "ControlNetLoader",
    "ControlNetApplyAdvanced", "UpscaleModelLoader", "ImageUpscaleWithModel",
)  # fmt: skip
PACK_NODES: dict[str, tuple[str, ...]] = {
    "rgthree-comfy": ("Seed (rgthree)", "Power Lora Loader (rgthree)", "Context (rgthree)"),
    "ComfyUI-Impact-Pack": ("FaceDetailer", "SAMLoader", "UltralyticsDetectorProvider"),
    "was-node-suite-comfyui": ("Image Blend (WAS)", "Text Concatenate (WAS)"),
    "ComfyUI-KJNodes": ("GetImageSizeAndCount", "ImageResizeKJ", "ColorMatch"),
    "comfyui_controlnet_aux": ("DWPreprocessor", "CannyEdgePreprocessor"),
    "ComfyUI-VideoHelperSuite": ("VHS_LoadVideo", "VHS_VideoCombine"),
    "ComfyUI-Custom-Scripts": ("ShowText|pysssss", "StringFunction|pysssss"),
    "ComfyUI-Crystools": ("Show any [Crystools]",),
    "cg-use-everywhere": ("Anything Everywhere",),
    "ComfyUI-Easy-Use": ("easy fullLoader", "easy kSampler"),
    "efficiency-nodes-comfyui": ("Efficient Loader", "KSampler (Efficient)"),
    "ComfyUI_essentials": ("ImageResize+", "GetImageSize+"),
    "ComfyUI-GGUF": ("UnetLoaderGGUF", "CLIPLoaderGGUF"),
}
HIDDEN_PACK = "ComfyUI-GGUF"
MODELS: dict[str, tuple[str, ...]] = {
    "checkpoints": ("sd_xl_base_1.0.safetensors", "v1-5-pruned-emaonly-fp16.safetensors"),
    "loras": ("detail-tweaker-xl.safetensors",),
    "vae": ("sdxl_vae.safetensors",),
}
FOLDERS = ("checkpoints", "configs", "loras", "vae", "text_encoders", "diffusion_models")


def packs(runner: SimRunner) -> list[str]:
    """The runner's custom packs: those its extensions show, and maybe one that shows none."""
    shown = {path.split("/")[2] for path in runner.extensions if path.count("/") >= 3}
    shown.discard("core")
    hidden = [HIDDEN_PACK] if _number(runner) % 3 == 0 else []
    return sorted(shown, key=str.lower) + hidden


def object_info(runner: SimRunner, _seed: int, _now: float) -> dict[str, Any]:
    nodes = {name: "nodes" for name in CORE_NODES}
    for pack in packs(runner):
        nodes.update((name, f"custom_nodes.{pack}") for name in PACK_NODES.get(pack, ()))
    return {name: _node(name, module) for name, module in nodes.items()}


def folders(_runner: SimRunner, _seed: int, _now: float) -> list[str]:
    return list(FOLDERS)


def model_files(runner: SimRunner, folder: str) -> list[str]:
    """Every runner has the first file of a folder; every other runner the rest too."""
    files = MODELS.get(folder, ())
    return list(files if _number(runner) % 2 == 0 else files[:1])


def _node(name: str, module: str) -> dict[str, Any]:
    return {
        "input": {"required": {}},
        "output": [],
        "name": name,
        "display_name": name,
        "category": "simulated",
        "python_module": module,
    }


def _number(runner: SimRunner) -> int:
    return zlib.crc32(runner.id.encode())
