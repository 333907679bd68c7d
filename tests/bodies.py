"""Real and documented upstream bodies, kept in tests/fixtures/."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def load(name: str) -> Any:
    """`load("comfyui-0.3.64-cpu/system_stats.json")` → the decoded JSON."""
    return json.loads((FIXTURES / name).read_text())
