"""The JSON shapes of the API: what the OpenAPI document describes and answers are checked by."""

from __future__ import annotations

from datetime import datetime

from ninja import Schema


class Error(Schema):
    status: int
    message: str
    parameter: str | None = None


class Device(Schema):
    model: str
    type: str
    index: int | None
    vram_total: int | None
    vram_free: int | None


class System(Schema):
    os: str | None
    ram_total: int | None
    ram_free: int | None
    comfyui_version: str | None
    python_version: str | None
    pytorch_version: str | None


class Queue(Schema):
    running: int | None
    pending: int | None


class RunnerSummary(Schema):
    slug: str
    name: str
    source: str
    tags: list[str]
    status: str
    status_label: str
    failing: bool
    fetched_at: datetime | None
    succeeded_at: datetime | None
    vram_free_max: int | None
    vram_free_total: int | None
    gpu_models: list[str]


class RunnerDetail(RunnerSummary):
    sentence: str
    down_since: datetime | None
    latency_ms: int | None
    system: System | None
    devices: list[Device]
    packs: list[str]
    queue: Queue
    dev_mode: bool | None


class RunnerPage(Schema):
    count: int
    page: int
    pages: int
    per_page: int
    results: list[RunnerSummary]


class Series(Schema):
    label: str
    unit: str
    points: list[tuple[int, float | None]]
    low: float | None
    mean: float | None
    high: float | None


class History(Schema):
    runner: str
    range: str
    bucket_s: int
    start: int
    end: int
    series: list[Series]
