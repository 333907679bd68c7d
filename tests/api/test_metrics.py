"""Prometheus /metrics, read with Prometheus' own text-format parser."""

import pytest
import time_machine
from django.utils import timezone
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from runners.api import metrics
from runners.models import RunnerState
from runners.polling import refresh
from tests.api.conftest import fetched_runner
from tests.factories import make_runner

pytestmark = pytest.mark.django_db


def scrape(api, **params) -> dict[str, list]:
    response = api("metrics", **params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    families = text_string_to_metric_families(response.content.decode())
    return {family.name: family.samples for family in families}


def values(samples, **labels) -> list[float]:
    return [s.value for s in samples if all(s.labels.get(k) == v for k, v in labels.items())]


def test_an_up_runner_reports_up_vram_ram_and_versions(api, team, simulator):
    fetched_runner(team, simulator, 0, slug="alpha")

    metrics = scrape(api)

    assert values(metrics["comfyweb_runner_up"], runner="alpha") == [1]
    assert values(metrics["comfyweb_gpu_vram_total_bytes"], runner="alpha", gpu="0")[0] > 0
    assert values(metrics["comfyweb_gpu_vram_free_bytes"], runner="alpha", gpu="0")
    assert values(metrics["comfyweb_runner_ram_free_bytes"], runner="alpha")[0] > 0
    (info,) = metrics["comfyweb_runner_info"]
    assert info.labels["comfyui_version"] and info.labels["python_version"]
    assert values(metrics["comfyweb_runner_last_fetch_age_seconds"], runner="alpha")[0] >= 0
    assert values(metrics["comfyweb_runner_fetch_latency_seconds"], runner="alpha")


def test_a_failing_or_paused_runner_reports_down(api, team, simulator):
    refresh(make_runner(team, slug="down", base_url="http://127.0.0.1:9/"))
    make_runner(team, slug="paused", paused=True)

    up = scrape(api)["comfyweb_runner_up"]

    assert values(up, runner="down") == [0]
    assert values(up, runner="paused") == [0]


def test_packs_are_reported_only_when_asked_for(api, team, simulator):
    fetched_runner(team, simulator, 0, slug="alpha")

    assert "comfyweb_runner_pack" not in scrape(api)
    packs = scrape(api, packs="true")["comfyweb_runner_pack"]
    assert packs and all(sample.labels["runner"] == "alpha" for sample in packs)


def test_a_scrape_never_calls_a_runner(api, team, comfyui):
    make_runner(team, slug="watched", base_url=comfyui.url_for("/"))

    scrape(api)

    assert comfyui.log == []


def test_metrics_need_a_key(api):
    assert api("metrics", key=None).status_code == 401


def test_the_text_is_byte_for_byte_what_prometheus_client_writes(team, simulator):
    runner = fetched_runner(team, simulator, 0, slug="alpha")
    state = RunnerState.objects.get(runner=runner)
    state.stats["devices"][0]["model"] = 'GPU "quoted" \\ back\nslash'
    state.save()
    make_runner(team, slug="never-fetched")
    registry = CollectorRegistry(auto_describe=False)
    registry.register(metrics.TeamCollector(team, packs=True))

    with time_machine.travel(timezone.now(), tick=False):  # the same fetch ages in both
        assert metrics.exposition(registry) == generate_latest(registry)
