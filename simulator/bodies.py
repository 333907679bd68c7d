"""JSON bodies of both APIs, rendered from a runner at a moment (deterministic in seed and time)."""

from __future__ import annotations

import hashlib
import math
import uuid
import zlib
from typing import Any

from simulator import catalog, hostile
from simulator.runner import SimRunner

CUDA_CONTEXT_BYTES = 537_919_488  # what a CUDA context takes before torch allocates anything
MIB_2 = 2 * 1024 * 1024
PAGE = 4096

# A plain text-to-image graph, as a queue item's prompt.
PROMPT: dict[str, Any] = {
    "3": {"class_type": "KSampler", "inputs": {"seed": 156680208700286, "steps": 20, "cfg": 8,
          "sampler_name": "euler", "scheduler": "normal", "denoise": 1, "model": ["4", 0],
          "positive": ["6", 0], "negative": ["7", 0], "latent_image": ["5", 0]}},
    "4": {"class_type": "CheckpointLoaderSimple",
          "inputs": {"ckpt_name": "v1-5-pruned-emaonly.safetensors"}},
    "5": {"class_type": "EmptyLatentImage",
          "inputs": {"width": 512, "height": 512, "batch_size": 1}},
    "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "a bottle of wine", "clip": ["4", 1]}},
    "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "text, watermark", "clip": ["4", 1]}},
    "8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}},
    "9": {"class_type": "SaveImage", "inputs": {"filename_prefix": "ComfyUI", "images": ["8", 0]}},
}  # fmt: skip

# Valid JSON that fits no endpoint's contract (stats, extensions, queue, dev mode, lists).
WRONG_SHAPES: tuple[Any, ...] = (
    [1, 2, 3],
    {"system": "ok", "devices": {"0": "cuda"}, "runners": "none", "queue_running": 3},
    {"system": {"os": 7, "ram_total": "lots"}, "devices": [{"name": None}], "runners": [1]},
    "ok",
)
GARBAGE = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR<html><body>502 Bad Gateway</body></html>\xff{{{"


def system_stats(runner: SimRunner, seed: int, now: float) -> dict[str, Any]:
    """ComfyUI's /system_stats: `system` and `devices` with every field a real server sends."""
    if runner.mode == "hostile":
        return hostile.system_stats()
    machine = runner.machine
    ram_free = _ram_free(runner, seed, now)
    system = {
        "os": machine.os,
        "ram_total": machine.ram_total,
        "ram_free": ram_free,
        "comfyui_version": machine.comfyui_version,
        **catalog.RELEASE_FIELDS.get(machine.comfyui_version, {}),
        "python_version": machine.python_version,
        "pytorch_version": machine.pytorch_version,
        "embedded_python": machine.embedded_python,
        "argv": list(runner.argv),
    }
    return {"system": system, "devices": _devices(runner, seed, now, ram_free)}


def comfycontrol_stats(runner: SimRunner, seed: int, now: float) -> dict[str, Any]:
    """ComfyControl's /stats: part of ComfyUI's stats, plus dev mode and extensions."""
    full = system_stats(runner, seed, now)
    system_keys = ("os", "ram_free", "ram_total", "comfyui_version", "python_version")
    device_keys = ("name", "type", "vram_total", "vram_free")
    return {
        "system": {key: full["system"].get(key) for key in system_keys},
        "devices": [{key: device.get(key) for key in device_keys} for device in full["devices"]],
        "dev_mode": "NaN" if runner.mode == "hostile" else bool(runner.dev_mode),
        "extensions": list(extensions(runner)),
    }


def extensions(runner: SimRunner) -> tuple[str, ...]:
    return hostile.extensions() if runner.mode == "hostile" else runner.extensions


def dev_mode(runner: SimRunner) -> object:
    return hostile.SCRIPT if runner.mode == "hostile" else runner.dev_mode


def queue(runner: SimRunner, seed: int, now: float) -> dict[str, Any]:
    """ComfyUI's /queue: at most one running item; the pending depth rises and falls with load."""
    if runner.mode == "hostile":
        return hostile.queue()
    depth = round(runner.queue_depth_max * _level(seed, runner.id, "queue", now))
    first = int(now // 20)
    items = [_queue_item(runner.id, first + n) for n in range(depth)]
    return {"queue_running": items[:1], "queue_pending": items[1:]}


def list_entry(runner: SimRunner, endpoint: str, user_id: str) -> dict[str, Any]:
    """A runner as ComfyControl lists it; self-hosted ones carry endpoint and secret headers."""
    name = hostile.list_name(runner.name) if runner.mode == "hostile" else runner.name
    common = {"id": runner.id, "name": name, "status": runner.status, "tags": list(runner.tags)}
    dates = {"created_at": runner.created_at, "updated_at": runner.created_at}
    if runner.kind == "managed":
        return {**common, "runner_type": runner.runner_type, **dates}
    extra = {"endpoint": endpoint, "headers": dict(runner.headers)}
    return {"id": runner.id, "user_id": user_id, **common, **extra, **dates}


def wrong_shape(key: str) -> Any:
    return WRONG_SHAPES[zlib.crc32(key.encode()) % len(WRONG_SHAPES)]


def _devices(runner: SimRunner, seed: int, now: float, ram_free: int) -> list[dict[str, Any]]:
    machine = runner.machine
    if machine.gpu.type in {"cpu", "mps"}:
        # Their "VRAM" is system RAM, and the index is null.
        ram = (machine.ram_total, ram_free)
        return [_device(machine.gpu.type, machine.gpu.type, None, ram, ram)]
    if machine.gpu.type == "privateuseone":
        fake = (catalog.GIB, catalog.GIB)
        return [_device("privateuseone", "privateuseone", 0, fake, fake)]
    count = machine.gpu_count if catalog.lists_every_gpu(machine.comfyui_version) else 1
    return [_cuda_device(runner, index, seed, now) for index in range(count)]


def _cuda_device(runner: SimRunner, index: int, seed: int, now: float) -> dict[str, Any]:
    machine = runner.machine
    total = machine.gpu.vram_total
    usable = total - CUDA_CONTEXT_BYTES
    pinned = runner.vram_free_pins.get(index)
    if pinned is None:
        active = _round(usable * _usage(runner, seed, f"gpu{index}", now), MIB_2)
        cached = _round(usable * 0.08 * _level(seed, runner.id, f"cache{index}", now), MIB_2)
    else:
        active, cached = max(0, usable - pinned), 0
    reserved = min(usable, active + cached)
    name = f"cuda:{index} {machine.gpu.model} : {machine.allocator}"
    free = pinned if pinned is not None else usable - active
    return _device(name, "cuda", index, (total, free), (reserved, reserved - active))


def _device(
    name: str, kind: str, index: int | None, vram: tuple[int, int], torch_vram: tuple[int, int]
) -> dict[str, Any]:
    return {
        "name": name,
        "type": kind,
        "index": index,
        "vram_total": vram[0],
        "vram_free": vram[1],
        "torch_vram_total": torch_vram[0],
        "torch_vram_free": torch_vram[1],
    }


def _ram_free(runner: SimRunner, seed: int, now: float) -> int:
    if runner.ram_free_pin is not None:
        return runner.ram_free_pin
    used = 0.08 + 0.6 * _usage(runner, seed, "ram", now)
    return _round(runner.machine.ram_total * (1 - used), PAGE)


def _usage(runner: SimRunner, seed: int, channel: str, now: float) -> float:
    """Share of a resource in use: near idle for quiet runners, up to 95 % for busy ones."""
    return 0.02 + 0.93 * runner.load * _level(seed, runner.id, channel, now)


def _level(seed: int, runner_id: str, channel: str, now: float) -> float:
    """0..1: a slow sine (period 2 to 10 minutes) plus noise that changes every second."""
    period_s = 120 + 480 * _unit(seed, runner_id, channel, "period")
    phase = 2 * math.pi * _unit(seed, runner_id, channel, "phase")
    wave = 0.5 + 0.5 * math.sin(2 * math.pi * now / period_s + phase)
    return 0.85 * wave + 0.15 * _unit(seed, runner_id, channel, int(now))


def _unit(*key: object) -> float:
    digest = hashlib.blake2b(repr(key).encode(), digest_size=8).digest()
    return int.from_bytes(digest) / 2**64


def _round(value: float, step: int) -> int:
    return int(value) // step * step


def _queue_item(runner_id: str, number: int) -> list[Any]:
    digest = hashlib.blake2b(f"{runner_id}:{number}".encode(), digest_size=16).digest()
    prompt_id = str(uuid.UUID(bytes=digest, version=4))
    return [number, prompt_id, PROMPT, {"client_id": prompt_id.replace("-", "")[:32]}, ["9"]]
