"""Parsers: upstream JSON in, ``runners.stats`` value types out.

Every string a runner sends is untrusted: it is cleaned by ``runners.text.clean_text``.
Numbers that are not plain non-negative integers up to ``MAX_NUMBER`` become ``None``
(unknown). A document of the wrong shape raises ``BadResponse``; nothing else is ever raised.
"""

from __future__ import annotations

import re
from dataclasses import replace
from itertools import islice
from typing import Any, TypeGuard

from runners.stats import Device, RunnerStats, Version
from runners.text import clean_text, truncate
from runners.upstream.errors import BadResponse

MAX_NUMBER = 2**62
# Enough for the packs of any real server; a page or a card reads them back on every load.
MAX_EXTENSIONS = 2_000
MAX_DEVICES = 64
MAX_ARGS = 64

_PYTHON_VERSION = re.compile(r"\d+(?:\.\d+)*[A-Za-z0-9+]*")
_TORCH_DEVICE = re.compile(r"([a-z][a-z0-9_]*):(\d{1,6})(?:\s|$)")
_LEGACY_CUDA = re.compile(r"CUDA (\d{1,6}):")
_BARE_DEVICE = re.compile(r"[a-z][a-z0-9_]*")
_SYSTEM_RAM_TYPES = frozenset({"cpu", "mps"})
# DirectML cannot query memory, so ComfyUI reports a constant 1 GiB for it.
_FAKE_VRAM_TYPES = frozenset({"privateuseone"})
_DEVICE_LABELS = {"cpu": "CPU", "mps": "Apple MPS", "privateuseone": "DirectML device"}


def parse_system_stats(doc: object) -> RunnerStats:
    """Return the stats in a ComfyUI ``/system_stats`` body.

    Extensions, queue and dev mode come from other routes and are left empty or None.
    Raises BadResponse when ``system`` or ``devices`` is missing or of the wrong type.
    """
    return _base_stats(_require(doc, dict, "body"))


def _base_stats(body: dict[str, Any]) -> RunnerStats:
    system = _require(body.get("system"), dict, "system")
    devices = _require(body.get("devices"), list, "devices")
    full_python = clean_text(system.get("python_version"))
    ram_total = _number(system.get("ram_total"))
    return RunnerStats(
        os=clean_text(system.get("os")),
        ram_total=ram_total,
        ram_free=_at_most(_number(system.get("ram_free")), ram_total),
        comfyui_version=_version(system.get("comfyui_version")),
        python_version=_short_python_version(full_python),
        python_version_full=full_python,
        pytorch_version=clean_text(system.get("pytorch_version")),
        devices=tuple(_device(d) for d in islice(devices, MAX_DEVICES)),
    )


def parse_comfycontrol_stats(doc: object) -> RunnerStats:
    """Return the stats in a ComfyControl runner stats body.

    Raises BadResponse when ``system`` or ``devices`` is missing or of the wrong type, or when
    ``extensions`` is present but not a list.
    """
    body = _require(doc, dict, "body")
    extensions = body.get("extensions")
    return replace(
        _base_stats(body),
        dev_mode=parse_dev_mode(body.get("dev_mode")),
        **({} if extensions is None else extension_fields(extensions)),
    )


def parse_argv(doc: object) -> tuple[str, ...]:
    """Return the launch arguments in a ``/system_stats`` body: cleaned, at most ``MAX_ARGS``.

    Not part of the stats (they can hold secrets); an odd or missing list is empty.
    """
    system = doc.get("system") if isinstance(doc, dict) else None
    argv = system.get("argv") if isinstance(system, dict) else None
    if not isinstance(argv, list):
        return ()
    args = (clean_text(arg) for arg in argv if isinstance(arg, str))
    return tuple(islice((arg for arg in args if arg), MAX_ARGS))


def parse_extensions(doc: object) -> tuple[str, ...]:
    """Return the extension paths in a ComfyUI ``/extensions`` body, in their order.

    Entries that are not strings are dropped rather than failing the runner: the list only
    describes frontend files. At most ``MAX_EXTENSIONS`` are kept. Raises BadResponse when the
    body is not a list.
    """
    entries = _require(doc, list, "extensions")
    paths = (clean_text(p) for p in entries if isinstance(p, str))
    return tuple(islice((p for p in paths if p), MAX_EXTENSIONS))


def extension_fields(doc: object) -> dict[str, Any]:
    """The ``extensions`` (as ``parse_extensions``) and ``extensions_total`` of stats.

    The total counts every path sent, listed or not. Raises BadResponse when it is not a list.
    """
    entries = _require(doc, list, "extensions")
    paths = parse_extensions(entries)
    sent = sum(1 for entry in entries if isinstance(entry, str) and entry.strip())
    return {"extensions": paths, "extensions_total": max(sent, len(paths))}


def parse_queue(doc: object) -> tuple[int, int]:
    """Return (running, pending) counts from a ComfyUI ``/queue`` body.

    Raises BadResponse when either list is missing or not a list.
    """
    body = _require(doc, dict, "body")
    running = _require(body.get("queue_running"), list, "queue_running")
    pending = _require(body.get("queue_pending"), list, "queue_pending")
    return len(running), len(pending)


def parse_dev_mode(doc: object) -> bool | None:
    """Return the ``Comfy.DevMode`` setting, or None when unset or not a boolean.

    The settings route stores any JSON a client sends, so an odd value means unknown, not broken.
    """
    return doc if isinstance(doc, bool) else None


def _device(entry: object) -> Device:
    data = _require(entry, dict, "devices[]")
    torch_device, model, allocator = _split_device_name(clean_text(data.get("name")))
    device_type = clean_text(data.get("type")) or _type_from(torch_device) or "unknown"
    vram_total = _number(data.get("vram_total"))
    return Device(
        type=device_type,
        model=model or _device_label(device_type),
        torch_device=torch_device,
        allocator=allocator,
        index=_device_index(data.get("index"), torch_device),
        vram_total=vram_total,
        vram_free=_at_most(_number(data.get("vram_free")), vram_total),
        vram_is_fake=device_type in _FAKE_VRAM_TYPES,
        vram_is_system_ram=device_type in _SYSTEM_RAM_TYPES,
    )


def _split_device_name(name: str | None) -> tuple[str | None, str | None, str | None]:
    """Split ``"cuda:0 NVIDIA H100 80GB HBM3 : cudaMallocAsync"`` into its three parts."""
    if name is None:
        return None, None, None
    if match := _TORCH_DEVICE.match(name):
        torch_device = f"{match.group(1)}:{match.group(2)}"
        model, allocator = _split_allocator(name[match.end() :])
        return torch_device, model, allocator
    if match := _LEGACY_CUDA.match(name):
        return f"cuda:{match.group(1)}", name[match.end() :].strip() or None, None
    if _BARE_DEVICE.fullmatch(name):
        return name, None, None
    return None, name, None


def _split_allocator(rest: str) -> tuple[str | None, str | None]:
    model, sep, allocator = rest.rpartition(" :")
    allocator = allocator.strip()
    if not sep or " " in allocator:
        return rest.strip() or None, None
    return model.strip() or None, allocator or None


def _type_from(torch_device: str | None) -> str | None:
    return torch_device.partition(":")[0] if torch_device else None


def _device_label(device_type: str) -> str:
    return _DEVICE_LABELS.get(device_type) or truncate(f"{device_type.upper()} device")


def _device_index(value: object, torch_device: str | None) -> int | None:
    if _is_int(value) and 0 <= value <= 999_999:
        return value
    if torch_device and ":" in torch_device:
        return int(torch_device.partition(":")[2])
    return None


def _version(value: object) -> Version | None:
    raw = clean_text(value)
    return Version.parse(raw) if raw else None


def _short_python_version(full: str | None) -> str | None:
    match = _PYTHON_VERSION.match(full or "")
    return match.group(0) if match else None


def _number(value: object) -> int | None:
    return value if _is_int(value) and 0 <= value <= MAX_NUMBER else None


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _at_most(value: int | None, limit: int | None) -> int | None:
    if value is None or limit is None:
        return value
    return min(value, limit)


def _require(value: object, kind: type, where: str) -> Any:
    if not isinstance(value, kind):
        expected = "an object" if kind is dict else "a list"
        raise BadResponse(
            "The runner answered with data that does not have the expected shape.",
            detail=f"{where}: expected {expected}, got {type(value).__name__}",
        )
    return value
