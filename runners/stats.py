"""The value types of runner stats: what is stored, compared and shown for every runner.

The HTTP package (``runners.upstream.parse``) builds them from what runners send; the database
keeps them as ``RunnerStats.to_dict()``; cards, history and pages read them back.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, fields, replace
from functools import cached_property
from typing import Any
from urllib.parse import unquote

from runners.text import clean_text

CORE_PACK = "core"
OS_NAMES = {
    "posix": "Linux or macOS",
    "nt": "Windows",
    "linux": "Linux",
    "darwin": "macOS",
    "win32": "Windows",
}
# A GPU of a runner without a queue to ask counts as idle below this much VRAM in use.
IDLE_VRAM_USED = 0.1
# From this much VRAM in use a GPU is shown in the warning tone.
VRAM_WARN_USED = 0.9
OTHER_PACK = "(other)"
# Why a ComfyUI server's dev mode reads as it does, when its setting route did not say.
DEV_MODE_DEFAULT = "default"  # never saved: the route answers null, and ComfyUI's default is off
DEV_MODE_NEEDS_USER = "needs_user"  # --multi-user: settings routes answer 401 without comfy-user

_VERSION = re.compile(r"v?(\d+(?:\.\d+)*)", re.IGNORECASE)


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

    @property
    def vram_is_nearly_full(self) -> bool:
        fraction = self.vram_used_fraction
        return fraction is not None and fraction >= VRAM_WARN_USED

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
    dev_mode_note: str = ""  # DEV_MODE_DEFAULT, DEV_MODE_NEEDS_USER or empty
    extensions: tuple[str, ...] = ()  # the first paths only; `extensions_total` counts them all
    extensions_total: int = 0
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
    def extension_count(self) -> int:
        """Every extension file the runner reported, listed or not."""
        return max(self.extensions_total, len(self.extensions))

    @property
    def extensions_unlisted(self) -> int:
        return self.extension_count - len(self.extensions)

    @property
    def ram_used(self) -> int | None:
        if self.ram_total is None or self.ram_free is None:
            return None
        return self.ram_total - self.ram_free

    @property
    def dev_mode_label(self) -> str:
        """`on`, `off`, `off (default)`, or why it is unknown."""
        if self.dev_mode_needs_user:
            return "unknown: multi-user server"
        if self.dev_mode is None:
            return "—"
        if self.dev_mode:
            return "on"
        return "off (default)" if self.dev_mode_note == DEV_MODE_DEFAULT else "off"

    @property
    def dev_mode_needs_user(self) -> bool:
        return self.dev_mode_note == DEV_MODE_NEEDS_USER

    @property
    def os_name(self) -> str | None:
        """The OS as people name it; ComfyUI up to 0.3.77 only says "posix" or "nt"."""
        if self.os is None:
            return None
        return OS_NAMES.get(self.os.lower(), self.os)

    @property
    def gpu_groups(self) -> list[tuple[str, tuple[Device, ...]]]:
        """Real GPUs grouped by model, in device order: ("NVIDIA A100 80GB", (gpu0, gpu1…))."""
        groups: dict[str, list[Device]] = {}
        for device in self.gpus:
            groups.setdefault(device.model, []).append(device)
        return [(model, tuple(devices)) for model, devices in groups.items()]

    @property
    def gpus(self) -> tuple[Device, ...]:
        """The devices that are GPUs with VRAM of their own: not a CPU, MPS or DirectML."""
        return tuple(d for d in self.devices if not (d.vram_is_fake or d.vram_is_system_ram))

    @property
    def largest_vram_free(self) -> int | None:
        """The most free VRAM on one real GPU; None without one that reports it."""
        return max((d.vram_free for d in self.gpus if d.vram_free is not None), default=None)

    @property
    def vram_free_total(self) -> int | None:
        """Free VRAM over every real GPU; None without one that reports it."""
        free = [d.vram_free for d in self.gpus if d.vram_free is not None]
        return sum(free) if free else None

    @property
    def idle_gpu_count(self) -> int:
        """GPUs free for a job: all of them when the queue is empty, none while it runs;
        without a queue (ComfyControl), those using less than IDLE_VRAM_USED of their VRAM."""
        if self.is_busy is not None:
            return 0 if self.is_busy else len(self.gpus)
        return sum(
            1
            for d in self.gpus
            if d.vram_used_fraction is not None and d.vram_used_fraction < IDLE_VRAM_USED
        )

    @property
    def queue_depth(self) -> int | None:
        """Prompts running and waiting; None without a queue to ask (ComfyControl)."""
        if self.queue_running is None:
            return None
        return self.queue_running + (self.queue_pending or 0)

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


def group_extensions(paths: Iterable[str]) -> tuple[ExtensionPack, ...]:
    """Group ``/extensions/<pack>/<file>`` paths by pack: core, custom by name, then others."""
    files: dict[str, list[str]] = {}
    for path in paths:
        pack, file = _split_extension_path(path)
        files.setdefault(pack, []).append(file)
    packs = [ExtensionPack(n, tuple(f), is_core=n == CORE_PACK) for n, f in files.items()]
    return tuple(sorted(packs, key=_pack_order))


def first_files(packs: Iterable[ExtensionPack], limit: int) -> tuple[ExtensionPack, ...]:
    """The packs, in order, cut to their first `limit` files in all."""
    listed: list[ExtensionPack] = []
    room = limit
    for pack in packs:
        if room <= 0:
            break
        listed.append(replace(pack, files=pack.files[:room]))
        room -= len(listed[-1].files)
    return tuple(listed)


def _pack_order(pack: ExtensionPack) -> tuple[int, str, str]:
    rank = 0 if pack.is_core else 2 if pack.name == OTHER_PACK else 1
    return (rank, pack.name.casefold(), pack.name)


def _split_extension_path(path: str) -> tuple[str, str]:
    parts = path.split("/", 3)
    if len(parts) == 4 and parts[:2] == ["", "extensions"] and parts[3]:
        # ComfyUI URL-quotes pack folder names, so "My%20Pack" is the folder "My Pack". Paths
        # were cleaned when parsed: only unquoting can bring back what cleaning removes.
        name = clean_text(unquote(parts[2])) if "%" in parts[2] else parts[2]
        if name:
            return name, parts[3]
    return OTHER_PACK, path


def _known_fields(cls: type, data: Mapping[str, Any]) -> dict[str, Any]:
    # Missing keys take the field default so stats stored by an older release still load.
    return {f.name: data[f.name] for f in fields(cls) if f.name in data}
