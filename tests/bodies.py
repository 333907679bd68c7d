"""Real and documented upstream bodies, kept in tests/fixtures/."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def load(name: str) -> Any:
    """`load("comfyui-0.3.64-cpu/system_stats.json")` → the decoded JSON."""
    return json.loads((FIXTURES / name).read_text())


def serve_comfyui_cpu(server: Any) -> None:
    """Have a pytest-httpserver answer as ComfyUI 0.3.64 on CPU: system stats and extensions."""
    server.expect_request("/api/system_stats").respond_with_json(
        load("comfyui-0.3.64-cpu/system_stats.json")
    )
    server.expect_request("/api/extensions").respond_with_json(
        load("comfyui-0.3.64-cpu/extensions.json")
    )


def serve_comfyui_with_packs(server: Any) -> None:
    """Have a pytest-httpserver answer as ComfyUI 0.3.64 on CPU with three custom packs,
    its node inventory and model lists included."""
    for route in ("system_stats", "extensions", "object_info", "models"):
        server.expect_request(f"/api/{route}").respond_with_json(
            load(f"comfyui-0.3.64-cpu-packs/{route}.json")
        )
    for folder in ("checkpoints", "loras", "vae"):
        server.expect_request(f"/api/models/{folder}").respond_with_json(
            load(f"comfyui-0.3.64-cpu-packs/models_{folder}.json")
        )
