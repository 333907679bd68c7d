"""Prometheus metrics of one team's runners, read from the database: a scrape never calls a
runner. A registry per scrape holds one collector that yields every family from one query.

The text is written by `exposition`, not prometheus_client's `generate_latest`: the same bytes
for these gauges (the tests compare the two), in half the time, which a 1,000-runner scrape
needs to stay near its 100 ms budget (docs/benchmarks.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import F
from django.utils import timezone
from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString

from runners.models import Runner, Team
from runners.stats import group_extensions
from runners.status import Status

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
INFO_KEYS = ("comfyui_version", "python_version", "pytorch_version")


def scrape(team: Team, *, packs: bool = False) -> bytes:
    """The team's metrics in Prometheus' text format; pack presence only with `packs`."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(TeamCollector(team, packs=packs))
    return exposition(registry)


def exposition(registry: CollectorRegistry) -> bytes:
    """The registry's families in Prometheus' text format 0.0.4, as `generate_latest` writes
    gauges whose metric and label names are valid."""
    lines = []
    # A runner's slug labels a dozen samples: each pair is escaped and joined once.
    pairs: dict[tuple[str, str], str] = {}
    for family in registry.collect():
        doc = family.documentation.replace("\\", r"\\").replace("\n", r"\n")
        lines.append(f"# HELP {family.name} {doc}\n# TYPE {family.name} {family.type}\n")
        for sample in family.samples:
            labels = ",".join(
                pairs.get(pair) or pairs.setdefault(pair, _pair(*pair))
                for pair in sorted(sample.labels.items())
            )
            braces = f"{{{labels}}}" if labels else ""
            lines.append(f"{sample.name}{braces} {floatToGoString(sample.value)}\n")
    return "".join(lines).encode()


def _pair(name: str, value: str) -> str:
    escaped = value.replace("\\", r"\\").replace("\n", r"\n").replace('"', r"\"")
    return f'{name}="{escaped}"'


class TeamCollector(Collector):
    def __init__(self, team: Team, *, packs: bool) -> None:
        self.team, self.packs = team, packs

    def collect(self) -> Iterator[Metric]:
        families = _families(self.packs)
        now = timezone.now()
        for row in _rows(self.team):
            _add_runner(families, row, now)
        yield from families.values()


def _families(packs: bool) -> dict[str, GaugeMetricFamily]:
    runner, gpu = ["runner"], ["runner", "gpu", "model"]
    families = [
        ("up", "comfyweb_runner_up", "1 when the runner's last fetch succeeded.", runner),
        ("info", "comfyweb_runner_info", "The runner's software versions.", [
            "runner", "source", "comfyui_version", "python_version", "pytorch_version"]),
        ("vram_free", "comfyweb_gpu_vram_free_bytes", "Free VRAM of each GPU.", gpu),
        ("vram_total", "comfyweb_gpu_vram_total_bytes", "Total VRAM of each GPU.", gpu),
        ("ram_free", "comfyweb_runner_ram_free_bytes", "Free system RAM.", runner),
        ("ram_total", "comfyweb_runner_ram_total_bytes", "Total system RAM.", runner),
        ("running", "comfyweb_runner_queue_running", "Prompts running.", runner),
        ("pending", "comfyweb_runner_queue_pending", "Prompts waiting in the queue.", runner),
        ("age", "comfyweb_runner_last_fetch_age_seconds", "Seconds since the last fetch.", runner),
        ("latency", "comfyweb_runner_fetch_latency_seconds", "The last fetch's latency.", runner),
    ]  # fmt: skip
    if packs:
        families.append(("pack", "comfyweb_runner_pack", "1 for each custom-node pack.", [
            "runner", "pack"]))  # fmt: skip
    return {key: GaugeMetricFamily(name, doc, labels=labels) for key, name, doc, labels in families}


def _rows(team: Team) -> Iterator[dict[str, Any]]:
    # Whole stats: on SQLite, decoding them is faster than extracting eight keys in SQL.
    runners = Runner.objects.filter(team=team).order_by("slug")
    return runners.values(
        "slug",
        "source",
        "paused",
        status=F("state__status"),
        fetched_at=F("state__fetched_at"),
        latency_ms=F("state__latency_ms"),
        stats=F("state__stats"),
    ).iterator(chunk_size=500)


def _add_runner(families: dict[str, GaugeMetricFamily], row: dict[str, Any], now: Any) -> None:
    slug, stats = row["slug"], row["stats"] or {}
    up = row["status"] == Status.OK and not row["paused"]
    families["up"].add_metric([slug], 1 if up else 0)
    families["info"].add_metric([slug, row["source"], *(_text(stats.get(k)) for k in INFO_KEYS)], 1)
    # The stored device dicts are read as they are: building a Device for each costs a
    # fifth of a 1,000-runner scrape.
    for number, device in enumerate(stats.get("devices") or ()):
        if device.get("vram_is_fake") or device.get("vram_is_system_ram"):
            continue
        labels = [slug, str(number), str(device.get("model", ""))]
        _add(families["vram_free"], labels, device.get("vram_free"))
        _add(families["vram_total"], labels, device.get("vram_total"))
    for key, field in (("ram_free", "ram_free"), ("ram_total", "ram_total")):
        _add(families[key], [slug], stats.get(field))
    _add(families["running"], [slug], stats.get("queue_running"))
    _add(families["pending"], [slug], stats.get("queue_pending"))
    if row["fetched_at"] is not None:
        families["age"].add_metric([slug], (now - row["fetched_at"]).total_seconds())
    if row["latency_ms"] is not None:
        families["latency"].add_metric([slug], row["latency_ms"] / 1000)
    if "pack" in families:
        for pack in group_extensions(stats.get("extensions") or ()):
            if not pack.is_core:
                families["pack"].add_metric([slug, pack.name], 1)


def _add(family: GaugeMetricFamily, labels: list[str], value: Any) -> None:
    if isinstance(value, int | float):
        family.add_metric(labels, value)


def _text(value: Any) -> str:
    return "" if value is None else str(value)
