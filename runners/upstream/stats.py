"""Normalised runner stats, and the parsers that build them from upstream JSON.

Every string a runner sends is untrusted: parsers strip control characters, replace lone
surrogates and truncate to ``MAX_TEXT`` characters. Numbers that are not plain non-negative
integers up to ``MAX_NUMBER`` become ``None`` (unknown). A document of the wrong shape raises
``BadResponse``; nothing else is ever raised.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, fields, replace
from functools import cached_property
from itertools import islice
from typing import Any, TypeGuard
from urllib.parse import unquote

from .errors import BadResponse

MAX_TEXT = 200
MAX_NUMBER = 2**62
MAX_EXTENSIONS = 20_000
MAX_DEVICES = 64
CORE_PACK = "core"
OTHER_PACK = "(other)"

# C0/C1 controls, zero-width and bidi overrides: they garble or spoof text on a card, and
# PostgreSQL's jsonb rejects NUL.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]+")
_SURROGATE = re.compile("[\ud800-\udfff]")
_VERSION = re.compile(r"v?(\d+(?:\.\d+)*)", re.IGNORECASE)
_PYTHON_VERSION = re.compile(r"\d+(?:\.\d+)*[A-Za-z0-9+]*")
_TORCH_DEVICE = re.compile(r"([a-z][a-z0-9_]*):(\d{1,6})(?:\s|$)")
_LEGACY_CUDA = re.compile(r"CUDA (\d{1,6}):")
_BARE_DEVICE = re.compile(r"[a-z][a-z0-9_]*")
_SYSTEM_RAM_TYPES = frozenset({"cpu", "mps"})
# DirectML cannot query memory, so ComfyUI reports a constant 1 GiB for it.
_FAKE_VRAM_TYPES = frozenset({"privateuseone"})
_DEVICE_LABELS = {"cpu": "CPU", "mps": "Apple MPS", "privateuseone": "DirectML device"}


@dataclass(frozen=True)
class Version:
    """A version string as sent (``raw``) and its leading numeric parts, if it has any.

    Versions order by their parts (``0.3.9 < 0.3.10 < 0.38.1``, ``0.3 <= 0.3.0 <= 0.3``);
    those without parts sort first. Equality compares ``raw`` too.
    """

    raw: str
    parts: tuple[int, ...] | None

    @classmethod
    def parse(cls, raw: str) -> Version:
        """Return the version for ``raw``; ``parts`` is None when it starts with no number."""
        match = _VERSION.match(raw.strip())
        parts = tuple(int(p) for p in match.group(1).split(".")) if match else None
        return cls(raw=raw, parts=parts)

    @property
    def sort_key(self) -> tuple[bool, tuple[int, ...]]:
        parts = list(self.parts or ())
        while parts and parts[-1] == 0:
            parts.pop()
        return (self.parts is not None, tuple(parts))

    def __str__(self) -> str:
        return self.raw

    def __lt__(self, other: object) -> bool:
        return self.sort_key < other.sort_key if isinstance(other, Version) else NotImplemented

    def __le__(self, other: object) -> bool:
        return self.sort_key <= other.sort_key if isinstance(other, Version) else NotImplemented

    def __gt__(self, other: object) -> bool:
        return self.sort_key > other.sort_key if isinstance(other, Version) else NotImplemented

    def __ge__(self, other: object) -> bool:
        return self.sort_key >= other.sort_key if isinstance(other, Version) else NotImplemented


@dataclass(frozen=True)
class Device:
    """One compute device of a runner. VRAM figures are bytes."""

    type: str
    model: str
    torch_device: str | None = None
    allocator: str | None = None
    index: int | None = None
    vram_total: int | None = None
    vram_free: int | None = None
    vram_is_fake: bool = False
    vram_is_system_ram: bool = False

    @property
    def vram_used(self) -> int | None:
        if self.vram_is_fake or self.vram_total is None or self.vram_free is None:
            return None
        return self.vram_total - self.vram_free

    @property
    def vram_used_fraction(self) -> float | None:
        used = self.vram_used
        if used is None or not self.vram_total:
            return None
        return used / self.vram_total

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Device:
        """Return the device stored by ``to_dict``."""
        return cls(**_known_fields(cls, data))


@dataclass(frozen=True)
class ExtensionPack:
    """The frontend files one custom-node pack (or ComfyUI's core) serves."""

    name: str
    files: tuple[str, ...]
    is_core: bool


@dataclass(frozen=True)
class RunnerStats:
    """What a runner reports about itself. Sizes are bytes; ``None`` means unknown.

    ``argv`` is deliberately absent: it can hold secrets and stays in the raw payload only.
    """

    os: str | None = None
    ram_total: int | None = None
    ram_free: int | None = None
    comfyui_version: Version | None = None
    python_version: str | None = None
    python_version_full: str | None = None
    pytorch_version: str | None = None
    devices: tuple[Device, ...] = ()
    dev_mode: bool | None = None
    extensions: tuple[str, ...] = ()
    queue_running: int | None = None
    queue_pending: int | None = None

    @cached_property
    def packs(self) -> tuple[ExtensionPack, ...]:
        """Core first, then custom packs by name (case-insensitive), then unrecognised paths."""
        return group_extensions(self.extensions)

    @cached_property
    def custom_packs(self) -> tuple[ExtensionPack, ...]:
        return tuple(pack for pack in self.packs if not pack.is_core)

    @property
    def custom_pack_names(self) -> list[str]:
        return [pack.name for pack in self.custom_packs]

    @property
    def ram_used(self) -> int | None:
        if self.ram_total is None or self.ram_free is None:
            return None
        return self.ram_total - self.ram_free

    @property
    def largest_vram_free(self) -> int | None:
        """The most free VRAM on one real GPU; None without one that reports it."""
        free = [
            d.vram_free
            for d in self.devices
            if d.vram_free is not None and not (d.vram_is_fake or d.vram_is_system_ram)
        ]
        return max(free, default=None)

    @property
    def is_busy(self) -> bool | None:
        if self.queue_running is None:
            return None
        return self.queue_running > 0 or bool(self.queue_pending)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable dict that ``from_dict`` turns back into equal stats."""
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["comfyui_version"] = None if self.comfyui_version is None else self.comfyui_version.raw
        data["devices"] = [asdict(d) for d in self.devices]
        data["extensions"] = list(self.extensions)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunnerStats:
        """Return the stats stored by ``to_dict``; the version's parts are parsed again."""
        known = _known_fields(cls, data)
        version = known.get("comfyui_version")
        known["comfyui_version"] = None if version is None else Version.parse(version)
        known["devices"] = tuple(Device.from_dict(d) for d in known.get("devices", ()))
        known["extensions"] = tuple(known.get("extensions", ()))
        return cls(**known)


def parse_system_stats(doc: object) -> RunnerStats:
    """Return the stats in a ComfyUI ``/system_stats`` body.

    Extensions, queue and dev mode come from other routes and are left empty or None.
    Raises BadResponse when ``system`` or ``devices`` is missing or of the wrong type.
    """
    return _base_stats(_require(doc, dict, "body"))


def _base_stats(body: dict[str, Any]) -> RunnerStats:
    system = _require(body.get("system"), dict, "system")
    devices = _require(body.get("devices"), list, "devices")
    full_python = _text(system.get("python_version"))
    ram_total = _number(system.get("ram_total"))
    return RunnerStats(
        os=_text(system.get("os")),
        ram_total=ram_total,
        ram_free=_at_most(_number(system.get("ram_free")), ram_total),
        comfyui_version=_version(system.get("comfyui_version")),
        python_version=_short_python_version(full_python),
        python_version_full=full_python,
        pytorch_version=_text(system.get("pytorch_version")),
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
        extensions=() if extensions is None else parse_extensions(extensions),
    )


def parse_extensions(doc: object) -> tuple[str, ...]:
    """Return the extension paths in a ComfyUI ``/extensions`` body, in their order.

    Entries that are not strings are dropped rather than failing the runner: the list only
    describes frontend files. At most ``MAX_EXTENSIONS`` are kept. Raises BadResponse when the
    body is not a list.
    """
    entries = _require(doc, list, "extensions")
    paths = (_text(p) for p in entries if isinstance(p, str))
    return tuple(islice((p for p in paths if p), MAX_EXTENSIONS))


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


def group_extensions(paths: Iterable[str]) -> tuple[ExtensionPack, ...]:
    """Group ``/extensions/<pack>/<file>`` paths by pack: core, custom by name, then others."""
    files: dict[str, list[str]] = {}
    for path in paths:
        pack, file = _split_extension_path(path)
        files.setdefault(pack, []).append(file)
    packs = [ExtensionPack(n, tuple(f), is_core=n == CORE_PACK) for n, f in files.items()]
    return tuple(sorted(packs, key=_pack_order))


def _pack_order(pack: ExtensionPack) -> tuple[int, str, str]:
    rank = 0 if pack.is_core else 2 if pack.name == OTHER_PACK else 1
    return (rank, pack.name.casefold(), pack.name)


def _split_extension_path(path: str) -> tuple[str, str]:
    parts = path.split("/", 3)
    if len(parts) == 4 and parts[:2] == ["", "extensions"] and parts[3]:
        # ComfyUI URL-quotes pack folder names, so "My%20Pack" is the folder "My Pack".
        name = _text(unquote(parts[2]))
        if name:
            return name, parts[3]
    return OTHER_PACK, path


def _device(entry: object) -> Device:
    data = _require(entry, dict, "devices[]")
    torch_device, model, allocator = _split_device_name(_text(data.get("name")))
    device_type = _text(data.get("type")) or _type_from(torch_device) or "unknown"
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
    return _DEVICE_LABELS.get(device_type) or _truncate(f"{device_type.upper()} device")


def _device_index(value: object, torch_device: str | None) -> int | None:
    if _is_int(value) and 0 <= value <= 999_999:
        return value
    if torch_device and ":" in torch_device:
        return int(torch_device.partition(":")[2])
    return None


def _version(value: object) -> Version | None:
    raw = _text(value)
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


def _text(value: object) -> str | None:
    """Return ``value`` as clean one-line text of at most MAX_TEXT characters, or None."""
    if not isinstance(value, str):
        return None
    # Cut long input first so cleaning never scans megabytes; cleaning only shortens.
    text = _CONTROL.sub(" ", value[: MAX_TEXT * 4])
    text = " ".join(_SURROGATE.sub("\ufffd", text).split())
    return _truncate(text) or None


def _truncate(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def _require(value: object, kind: type, where: str) -> Any:
    if not isinstance(value, kind):
        expected = "an object" if kind is dict else "a list"
        raise BadResponse(
            "The runner answered with data that does not have the expected shape.",
            detail=f"{where}: expected {expected}, got {type(value).__name__}",
        )
    return value


def _known_fields(cls: type, data: Mapping[str, Any]) -> dict[str, Any]:
    # Missing keys take the field default so stats stored by an older release still load.
    return {f.name: data[f.name] for f in fields(cls) if f.name in data}
