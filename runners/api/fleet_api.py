"""The API's fleet-intelligence endpoints: the extension matrix, drift, the capacity finder and
the workflow check, answered by `runners.intel` for the key's team only."""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig
from django.forms import Form
from django.http import HttpRequest
from ninja import Router, Schema

from runners.api.answers import BadParameter
from runners.api.schemas import Error
from runners.intel import compat, drift, finder, matrix, workflow
from runners.intel.forms import FinderForm, MatrixForm
from runners.models import Runner

router = Router(tags=["fleet"])
ERRORS = {400: Error, 401: Error}


class FleetRunner(Schema):
    slug: str
    name: str
    source: str
    status: str | None
    vram_free_max: int | None
    vram_free_total: int | None
    idle: bool
    comfyui_version: str | None
    tags: list[str]


class MatrixPack(Schema):
    name: str
    count: int
    has: list[bool | None]


class Matrix(Schema):
    runners: list[str]
    packs: list[MatrixPack]


class Drift(Schema):
    sentence: str
    lacks: list[str]
    extra: list[str]
    comfyui: str | None
    compared_with: str
    change_ts: int | None


class Found(Schema):
    matches: list[FleetRunner]
    considered: int
    excluded: dict[str, int]


class ModelNeed(Schema):
    folder: str
    name: str


class Verdict(Schema):
    runner: FleetRunner
    can_run_now: bool
    nodes_ok: bool | None
    missing_nodes: list[str]
    lacking_packs: list[str]
    unknown_reason: str | None
    models_ok: bool | None
    missing_models: list[ModelNeed]


class Check(Schema):
    format: str
    node_classes: list[str]
    models: list[ModelNeed]
    runners: list[Verdict]


@router.get("/extensions", response={200: Matrix, **ERRORS}, summary="The extension matrix")
def extensions(
    request: HttpRequest, pack: str = "", runner: str = "", tag: str = "", sort: str = "most"
) -> dict:
    """Custom packs by runner (`has`: true, false, or null without an extension list), filtered
    by part of a pack's or runner's name and by tag; `sort` is most, fewest or name."""
    form = _valid(MatrixForm(request.GET))
    return matrix.matrix_for(request.auth.team, form.query()).as_dict()


@router.get("/drift", response={200: dict[str, Drift], **ERRORS}, summary="Drifting runners")
def drifting(request: HttpRequest) -> dict:
    """Each drifting runner by slug: what it lacks and has extra against the team's baseline (or
    the majority), its ComfyUI if out of range, and the logged change behind it."""
    team = request.auth.team
    slugs = dict(Runner.objects.filter(team=team).values_list("pk", "slug"))
    return {slugs[pk]: d.as_dict() for pk, d in drift.drift_for(team).items()}


@router.get("/finder", response={200: Found, **ERRORS}, summary="The capacity finder")
def find(
    request: HttpRequest,
    vram: float | None = None,
    vram_all: float | None = None,
    gpu: str = "",
    packs: str = "",
    nodes: str = "",
    comfyui_min: str = "",
    comfyui_max: str = "",
    idle: bool = False,
    up: bool = False,
    tag: str = "",
    source: str = "",
) -> dict:
    """The runners that meet every condition, most free VRAM on one GPU first (VRAM in GiB;
    `packs` and `nodes` comma-separated), and how many runners each condition excluded."""
    form = _valid(FinderForm(request.GET))
    return finder.find(request.auth.team, form.query()).as_dict()


@router.post(
    "/check",
    response={200: Check, **ERRORS},
    summary="Which runners can run a workflow",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"type": "object"}},
                "image/png": {"schema": {"type": "string", "format": "binary"}},
            },
        }
    },
)
def check(request: HttpRequest) -> dict:
    """The body is a workflow (UI or API format JSON, or a PNG ComfyUI saved), at most 5 MB:
    read, never stored, run or sent anywhere. Changes nothing."""
    try:
        body = request.body
    except RequestDataTooBig:
        raise BadParameter("body", workflow.TOO_LARGE) from None
    try:
        needs = workflow.parse(body)
    except workflow.WorkflowError as error:
        raise BadParameter("body", str(error)) from None
    return compat.check(request.auth.team, needs).as_dict()


def _valid(form: Form) -> Form:
    """The form if its parameters are valid; raises BadParameter naming the first that is not."""
    if not form.is_valid():
        name, errors = next(iter(form.errors.items()))
        raise BadParameter(name, errors[0])
    return form
