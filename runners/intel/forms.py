"""Forms of the fleet intelligence pages: each turns URL parameters or a post into a query,
with an error on the field that is wrong."""

from __future__ import annotations

from typing import Any

from django import forms

from runners.intel.finder import Query
from runners.intel.matrix import SORTS, MatrixQuery
from runners.intel.models import Baseline
from runners.intel.workflow import MAX_BYTES, TOO_LARGE, Workflow, WorkflowError, parse
from runners.models import Runner
from runners.stats import Version
from runners.units import GIB


class VersionField(forms.CharField):
    """A ComfyUI version such as 0.3.64; "" for none."""

    def to_python(self, value: Any) -> Version | None:  # type: ignore[override]
        text = super().to_python(value).strip()
        if not text:
            return None
        version = Version.parse(text[:50])
        if version.parts is None or len(text) > 50:
            raise forms.ValidationError("Enter a version such as 0.3.64.")
        return version


class NamesField(forms.CharField):
    """Comma-separated names (packs, node classes)."""

    def to_python(self, value: Any) -> tuple[str, ...]:  # type: ignore[override]
        text = super().to_python(value)
        return tuple(dict.fromkeys(n.strip() for n in text.split(",") if n.strip()))[:20]


class QueryForm(forms.Form):
    """A GET form whose valid data becomes a query; invalid fields are left out of it."""

    @property
    def data_ok(self) -> dict[str, Any]:
        return self.cleaned_data if self.is_valid() else {}


class MatrixForm(QueryForm):
    pack = forms.CharField(required=False, max_length=100, label="Pack")
    runner = forms.CharField(required=False, max_length=100, label="Runner")
    tag = forms.CharField(required=False, max_length=100, label="Tag")
    sort = forms.ChoiceField(required=False, choices=list(SORTS.items()), label="Sort")

    def query(self) -> MatrixQuery:
        data = self.data_ok
        return MatrixQuery(
            pack=data.get("pack", ""),
            runner=data.get("runner", ""),
            tag=data.get("tag", ""),
            sort=data.get("sort") or "most",
        )


class FinderForm(QueryForm):
    """Every condition of the finder, from the URL, so a search can be shared as a link."""

    vram = forms.DecimalField(
        required=False, min_value=0, max_digits=6, decimal_places=1,
        label="Free VRAM on one GPU ≥ (GiB)",
    )  # fmt: skip
    vram_all = forms.DecimalField(
        required=False, min_value=0, max_digits=6, decimal_places=1,
        label="Free VRAM on all GPUs ≥ (GiB)",
    )  # fmt: skip
    gpu = forms.CharField(required=False, max_length=100, label="GPU model")
    packs = NamesField(required=False, max_length=1000, label="Packs (comma-separated)")
    nodes = NamesField(required=False, max_length=2000, label="Node classes (comma-separated)")
    comfyui_min = VersionField(required=False, label="ComfyUI at least")
    comfyui_max = VersionField(required=False, label="ComfyUI at most")
    idle = forms.BooleanField(required=False, label="Idle (queue empty)")
    up = forms.BooleanField(required=False, label="Up")
    tag = forms.CharField(required=False, max_length=100, label="Tag")
    source = forms.ChoiceField(
        required=False, choices=[("", "Any source"), *Runner.Source.choices], label="Source"
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        low, high = cleaned.get("comfyui_min"), cleaned.get("comfyui_max")
        if low is not None and high is not None and low > high:
            self.add_error("comfyui_max", "Enter a version no lower than “at least”.")
        return cleaned

    def query(self) -> Query:
        d = self.data_ok
        return Query(
            min_vram_one=_bytes(d.get("vram")),
            min_vram_all=_bytes(d.get("vram_all")),
            gpu=d.get("gpu", ""),
            packs=d.get("packs", ()),
            nodes=d.get("nodes", ()),
            comfyui_min=d.get("comfyui_min"),
            comfyui_max=d.get("comfyui_max"),
            idle=d.get("idle", False),
            up=d.get("up", False),
            tag=d.get("tag", ""),
            source=d.get("source", ""),
        )


def _bytes(gib: Any) -> int | None:
    return None if gib is None else int(gib * GIB)


class WorkflowForm(forms.Form):
    """A workflow pasted as text or uploaded as a file (JSON or a PNG ComfyUI saved)."""

    text = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 8}), label="Paste a workflow",
        max_length=MAX_BYTES,
    )  # fmt: skip
    file = forms.FileField(required=False, label="…or upload a workflow (.json or .png)")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        upload = cleaned.get("file")
        field = "file" if upload else "text"
        if upload is not None and upload.size > MAX_BYTES:
            self.add_error(field, TOO_LARGE)
            return cleaned
        data = upload.read() if upload else (cleaned.get("text") or "").encode()
        try:
            cleaned["workflow"] = parse(data)
        except WorkflowError as error:
            self.add_error(field, str(error))
        return cleaned

    @property
    def workflow(self) -> Workflow:
        return self.cleaned_data["workflow"]


class BaselineForm(forms.ModelForm):
    """Either one chosen runner, or a set of packs and a ComfyUI version range."""

    packs = NamesField(required=False, max_length=5000, label="Packs (comma-separated)")
    comfyui_min = forms.CharField(required=False, max_length=50, label="ComfyUI at least")
    comfyui_max = forms.CharField(required=False, max_length=50, label="ComfyUI at most")

    class Meta:
        model = Baseline
        fields = ["runner", "packs", "comfyui_min", "comfyui_max"]

    def __init__(self, *args: Any, team: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["runner"].queryset = Runner.objects.filter(team=team).order_by("name")
        self.fields["runner"].required = False
        self.fields["runner"].empty_label = "No runner: use the packs and versions below"
        if self.instance.pk and not self.is_bound:
            self.initial["packs"] = ", ".join(self.instance.packs)

    def clean_comfyui_min(self) -> str:
        return _version_text(self.cleaned_data["comfyui_min"])

    def clean_comfyui_max(self) -> str:
        return _version_text(self.cleaned_data["comfyui_max"])

    def clean_packs(self) -> list[str]:
        return list(self.cleaned_data["packs"])


def _version_text(text: str) -> str:
    text = text.strip()
    if text and Version.parse(text).parts is None:
        raise forms.ValidationError("Enter a version such as 0.3.64.")
    return text


class CompareForm(QueryForm):
    a = forms.SlugField(required=False)
    b = forms.SlugField(required=False)
