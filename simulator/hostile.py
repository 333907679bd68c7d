"""Bodies a malicious or broken runner could send: markup, absurd numbers, unicode tricks, bulk."""

from __future__ import annotations

from functools import cache
from typing import Any

SCRIPT = "<script>alert(1)</script>"
QUOTES = "\"'><img src=x onerror=alert(1)>"
RTL = "\u202e"  # right-to-left override: makes "exe.js" read as "sj.exe"
ZWJ = "\u200d"
LONG = "A" * 5000
HUGE_NUMBER = 10**30
EXTENSION_COUNT = 10_000


def system_stats() -> dict[str, Any]:
    return {
        "system": {
            "os": SCRIPT,
            "ram_total": HUGE_NUMBER,
            "ram_free": -1,
            "comfyui_version": f"0.3.64{RTL}<b>1.0</b>",
            "python_version": LONG,
            "pytorch_version": "NaN",
            "embedded_python": "NaN",
            "argv": ["main.py", "--api-key", "sim-argv-secret", SCRIPT],
        },
        "devices": [
            _device(SCRIPT, 0, HUGE_NUMBER, -1),
            _device(QUOTES, -1, "NaN", "NaN"),
            _device(f"cuda:2 NVIDIA{ZWJ} H100{RTL}MBH : {QUOTES}", 2, 0, HUGE_NUMBER),
            _device(LONG, HUGE_NUMBER, -HUGE_NUMBER, 2**63),
        ],
    }


def _device(name: str, index: object, vram_total: object, vram_free: object) -> dict[str, Any]:
    return {
        "name": name,
        "type": "cuda" if index != -1 else QUOTES,
        "index": index,
        "vram_total": vram_total,
        "vram_free": vram_free,
        "torch_vram_total": "NaN",
        "torch_vram_free": -HUGE_NUMBER,
    }


@cache
def extensions() -> tuple[str, ...]:
    tricks = (
        f"/extensions/{SCRIPT}/x.js",
        f"/extensions/pack{QUOTES}/a.js",
        f"/extensions/{RTL}sj.exe/evil.js",
        f"/extensions/ComfyUI{ZWJ}-Manager/comfyui-manager.js",
        "javascript:alert(1)",
        f"/extensions/{LONG}/long.js",
    )
    bulk = (f"/extensions/pack-{i % 500}/file-{i}.js" for i in range(EXTENSION_COUNT - len(tricks)))
    return (*tricks, *bulk)


def queue() -> dict[str, Any]:
    return {
        "queue_running": [[HUGE_NUMBER, SCRIPT, {}, {"client_id": QUOTES}, []]],
        "queue_pending": [
            [-i, QUOTES, {"1": {"class_type": SCRIPT}}, {}, ["NaN"]] for i in range(2000)
        ],
    }


def list_name(name: str) -> str:
    return f"{SCRIPT}{RTL}{name}{ZWJ}{QUOTES}"
