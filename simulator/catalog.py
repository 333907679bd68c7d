"""What simulated runners are made of: machines, ComfyUI releases and custom node packs.

Figures follow what real servers report (torch's byte counts, ComfyUI's version strings and
device names); see DESIGN.md, "Upstream facts".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

GIB = 1 << 30


@dataclass(frozen=True)
class Gpu:
    model: str  # as torch names it; "" for cpu, mps and DirectML
    type: str  # torch device type: cuda, cpu, mps, privateuseone
    vram_total: int  # bytes; cpu and mps report the machine's RAM instead


@dataclass(frozen=True)
class Machine:
    label: str
    tag: str
    gpu: Gpu
    gpu_count: int
    os: str
    comfyui_version: str
    python_version: str
    pytorch_version: str
    ram_total: int
    argv: tuple[str, ...]
    allocator: str = "cudaMallocAsync"
    embedded_python: bool = False


H100 = Gpu("NVIDIA H100 80GB HBM3", "cuda", 84_942_848_000)
A100_80 = Gpu("NVIDIA A100-SXM4-80GB", "cuda", 85_097_971_712)
A100_40 = Gpu("NVIDIA A100-PCIE-40GB", "cuda", 42_298_834_944)
RTX_4090 = Gpu("NVIDIA GeForce RTX 4090", "cuda", 25_390_809_088)
RTX_3090 = Gpu("NVIDIA GeForce RTX 3090", "cuda", 25_438_126_080)
L4 = Gpu("NVIDIA L4", "cuda", 23_580_639_232)
CPU = Gpu("", "cpu", 0)
MPS = Gpu("", "mps", 0)
DIRECTML = Gpu("", "privateuseone", GIB)  # torch-directml always reports a fake 1 GiB

PY_LINUX = "3.12.12 (main, Oct 15 2025, 09:20:08) [GCC]"
PY_LINUX_311 = "3.11.13 (main, Jun  4 2025, 08:57:29) [GCC 11.4.0]"
PY_UBUNTU_310 = "3.10.12 (main, Feb  4 2025, 14:57:36) [GCC 11.4.0]"
PY_WINDOWS = "3.12.10 (tags/v3.12.10:0cc8128, Apr  8 2025, 12:21:36) [MSC v.1943 64 bit (AMD64)]"
PY_WINDOWS_313 = "3.13.9 (tags/v3.13.9:8183fa5, Oct 14 2025, 14:09:13) [MSC v.1944 64 bit (AMD64)]"
PY_MAC = "3.12.8 (main, Dec  3 2024, 18:42:41) [Clang 16.0.0 (clang-1600.0.26.4)]"
PY_FIXTURE = "3.11.7 (main, May  9 2026, 07:35:25) [GCC 12.2.0]"

LINUX_ARGV = ("main.py", "--listen", "--port", "8188")
WINDOWS_ARGV = ("ComfyUI\\main.py", "--windows-standalone-build")

# Ordered so that a few consecutive entries already mix vendors, OSes and ComfyUI releases.
MODERN: tuple[Machine, ...] = (
    Machine("H100 80GB x8", "gpu-h100", H100, 8, "linux", "0.38.1", PY_LINUX, "2.9.1+cu130",
            2_164_193_869_824, (*LINUX_ARGV, "--highvram")),
    Machine("RTX 4090", "gpu-rtx4090", RTX_4090, 1, "nt", "0.3.64", PY_WINDOWS, "2.8.0+cu129",
            68_637_937_664, WINDOWS_ARGV, embedded_python=True),
    Machine("A100 80GB x4", "gpu-a100", A100_80, 4, "linux", "0.38.1", PY_LINUX_311,
            "2.8.0+cu128", 1_081_627_344_896, (*LINUX_ARGV, "--use-sage-attention")),
    Machine("CPU only", "cpu", CPU, 1, "posix", "0.3.64", PY_FIXTURE, "2.14.1+cu130",
            25_276_502_016, ("main.py", "--cpu", "--listen", "127.0.0.1", "--port", "8188")),
    Machine("Apple M2 Ultra", "mps", MPS, 1, "darwin", "0.38.1", PY_MAC, "2.9.1",
            206_158_430_208, ("main.py", "--force-fp16")),
    Machine("L4", "gpu-l4", L4, 1, "posix", "0.3.77", PY_UBUNTU_310, "2.7.1+cu126",
            33_654_026_240, (*LINUX_ARGV, "--preview-method", "auto")),
    Machine("RTX 4090 x2", "gpu-rtx4090", RTX_4090, 2, "win32", "0.38.1", PY_WINDOWS_313,
            "2.9.1+cu130", 137_175_244_800, (*WINDOWS_ARGV, "--cuda-device", "0")),
    Machine("H100 80GB", "gpu-h100", H100, 1, "posix", "0.3.77", PY_LINUX, "2.9.0+cu128",
            253_344_550_912, LINUX_ARGV),
    Machine("RTX 3090", "gpu-rtx3090", RTX_3090, 1, "posix", "v0.2.2-1-gabc123",
            "3.10.14 (main, Mar 21 2024, 16:24:04) [GCC 11.2.0]", "2.4.1+cu121",
            67_353_538_560, (*LINUX_ARGV, "--lowvram"), allocator="native"),
    Machine("A100 40GB x2", "gpu-a100", A100_40, 2, "posix", "0.3.64",
            "3.11.7 (main, Dec  8 2023, 18:56:58) [GCC 11.4.0]", "2.8.0+cu126",
            540_965_076_992, LINUX_ARGV),
    Machine("DirectML", "directml", DIRECTML, 1, "nt", "0.3.77", PY_WINDOWS, "2.4.1+cpu",
            34_359_738_368, (*WINDOWS_ARGV, "--directml")),
)  # fmt: skip

# ComfyControl's managed runners are A100/H100/RTX 4090 class.
MANAGED: tuple[Machine, ...] = (
    *(m for m in MODERN if m.tag in {"gpu-h100", "gpu-a100"}),
    *(m for m in MODERN if m.label == "RTX 4090"),
)

# Servers from before mid-2024, which answer only the unprefixed routes.
LEGACY: tuple[Machine, ...] = (
    Machine("RTX 3090", "gpu-rtx3090", RTX_3090, 1, "posix", "unknown",
            "3.10.12 (main, Nov 20 2023, 15:14:05) [GCC 11.4.0]", "2.1.2+cu121",
            67_353_538_560, LINUX_ARGV, allocator="native"),
    Machine("RTX 4090", "gpu-rtx4090", RTX_4090, 1, "nt", "unknown",
            "3.11.6 (tags/v3.11.6:8b6ee5b, Oct  2 2023, 14:57:12) [MSC v.1935 64 bit (AMD64)]",
            "2.2.0+cu121", 68_637_937_664, WINDOWS_ARGV, embedded_python=True),
)  # fmt: skip

# Fields each release adds to `system` (frontend and templates versions, later package lists).
RELEASE_FIELDS: dict[str, dict[str, object]] = {
    "0.3.64": {
        "required_frontend_version": "1.27.10",
        "installed_templates_version": "0.1.95",
        "required_templates_version": "0.1.95",
    },
    "0.3.77": {
        "required_frontend_version": "1.32.9",
        "installed_templates_version": "0.7.25",
        "required_templates_version": "0.7.25",
    },
    "0.38.1": {
        "required_frontend_version": "1.39.4",
        "installed_templates_version": "0.9.3",
        "required_templates_version": "0.9.3",
        "comfy_package_versions": {
            "comfyui-frontend-package": "1.39.4",
            "comfyui-workflow-templates": "0.9.3",
            "comfyui-embedded-docs": "0.4.1",
        },
        "deploy_environment": "local-git",
    },
}

CORE_EXTENSIONS: tuple[str, ...] = tuple(
    f"/extensions/core/{name}.js"
    for name in (
        "groupNode", "maskEditorOld", "clipspace", "maskEditorLayerFilenames", "widgetInputs",
        "groupNodeManage", "load3d/NodeStorage", "load3d/ViewHelperManager",
        "load3d/ControlsManager", "load3d/RecordingManager", "load3d/ModelExporter",
        "load3d/AnimationManager", "load3d/LoaderManager", "load3d/LightingManager",
        "load3d/CameraManager", "load3d/SceneModelManager", "load3d/SceneManager",
        "load3d/PreviewManager", "load3d/EventManager",
    )
)  # fmt: skip

# Before the frontend moved to its own package, core extensions lived in ComfyUI's web/.
LEGACY_CORE_EXTENSIONS: tuple[str, ...] = tuple(
    f"/extensions/core/{name}.js"
    for name in (
        "clipspace", "colorPalette", "contextMenuFilter", "dynamicPrompts", "editAttention",
        "groupNode", "groupNodeManage", "groupOptions", "invertMenuScrolling", "keybinds",
        "linkRenderMode", "maskeditor", "nodeTemplates", "noteNode", "rerouteNode",
        "saveImageExtraOutput", "slotDefaults", "snapToGrid", "undoRedo", "uploadImage",
        "widgetInputs",
    )
)  # fmt: skip

PACKS: dict[str, tuple[str, ...]] = {
    "ComfyUI-Manager": (
        "comfyui-manager.js", "cm-api.js", "common.js", "components-manager.js",
        "custom-nodes-manager.js", "model-manager.js", "node_fixer.js", "popover-helper.js",
        "snapshot.js", "turbogrid.esm.js", "workflow-metadata.js",
    ),
    "rgthree-comfy": (
        "rgthree.js", "bookmark.js", "context.js", "display_any.js", "fast_groups_muter.js",
        "image_comparer.js", "label.js", "power_lora_loader.js", "reroute.js", "seed.js",
        "common/utils_widgets.js", "common/dialog.js",
    ),
    "ComfyUI-Impact-Pack": (
        "impact-pack.js", "common.js", "impact-image-util.js", "impact-sam-editor.js",
        "impact-segs-picker.js", "impact-wildcard.js", "mask-rect-area.js",
    ),
    "was-node-suite-comfyui": ("was_node_suite.js", "cachebuster.js", "widgets/text_files.js"),
    "ComfyUI-KJNodes": (
        "appearance.js", "browserstatus.js", "contextmenu.js", "fast_preview.js",
        "help_popup.js", "jsnodes.js", "point_editor.js", "setgetnodes.js", "spline_editor.js",
    ),
    "comfyui_controlnet_aux": ("preprocessor_aux.js", "dwpose_editor.js", "node_options.js"),
    "ComfyUI-VideoHelperSuite": ("VHS.core.js", "videoinfo.js"),
    "ComfyUI-Custom-Scripts": (
        "js/autocompleter.js", "js/betterCombos.js", "js/common/binding.js",
        "js/common/lightbox.js", "js/common/utils.js", "js/mathExpression.js",
        "js/presetText.js", "js/showText.js", "js/snapToGrid.js", "js/workflowImage.js",
    ),
    "ComfyUI-Crystools": ("general/monitor.js", "general/progressBar.js", "common/utils.js"),
    "cg-use-everywhere": ("use_everywhere.js", "ue_debug.js", "ue_links.js"),
    "ComfyUI-Easy-Use": (
        "easy/easyContextMenu.js", "easy/easyDynamicWidgets.js", "easy/easyExtraMenu.js",
        "easy/easyInterface.js", "easy/easySegs.js",
    ),
    "efficiency-nodes-comfyui": (
        "appearance.js", "node_options/addLinks.js", "previewfix.js", "seedcontrol.js",
    ),
    "ComfyUI_essentials": ("DisplayAny.js", "FluxAttentionSeeker.js", "UTILS.js"),
}  # fmt: skip

SITES = ("Production", "Render farm", "Studio", "Staging", "Lab", "Batch", "Training", "Dev box")
HOSTS = ("workstation", "comfy-gpu", "render", "atelier", "edge", "homelab")

_RELEASE = re.compile(r"^v?(\d+)\.(\d+)\.(\d+)$")


def lists_every_gpu(comfyui_version: str) -> bool:
    """Releases from 2026 (0.38 on) list every GPU; older ones only the device they run on."""
    match = _RELEASE.match(comfyui_version)
    return match is not None and (int(match[1]), int(match[2])) >= (0, 38)
