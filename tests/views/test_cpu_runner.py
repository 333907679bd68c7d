"""A CPU-only runner (ComfyUI --cpu: device type "cpu", index null) is shown as what it is:
its memory once, as RAM, and no GPU parts."""

import re
from datetime import UTC, datetime

import pytest
import time_machine

from runners import polling
from runners.models import GpuSample, Runner
from tests.bodies import serve_comfyui_cpu
from tests.factories import make_member, make_runner, make_team

pytestmark = pytest.mark.django_db

NOW = 1_700_000_100


@pytest.fixture
def cpu_runner(httpserver):
    serve_comfyui_cpu(httpserver)
    # A real 0.3.64 server whose settings were never saved (fixtures/…/settings.json is {}).
    httpserver.expect_request("/api/settings/Comfy.DevMode").respond_with_data(
        "null", content_type="application/json"
    )
    runner = make_runner(
        make_team("Studio", slug="studio"), slug="cpu", base_url=httpserver.url_for("")
    )
    for i in range(6):
        with time_machine.travel(datetime.fromtimestamp(NOW - 300 + 60 * i, tz=UTC), tick=False):
            polling.refresh(Runner.objects.get(pk=runner.pk))
    return runner


@pytest.fixture
def page(client, cpu_runner):
    client.force_login(make_member(cpu_runner.team))
    with time_machine.travel(datetime.fromtimestamp(NOW, tz=UTC), tick=False):
        return client.get("/runners/studio/cpu/?range=1h").content.decode()


def test_polling_a_cpu_runner_records_no_gpu_samples(cpu_runner):
    assert not GpuSample.objects.filter(runner=cpu_runner).exists()


def test_its_card_shows_ram_once_and_no_vram_meter_or_sparkline(page):
    card = page[page.index("<article") : page.index("</article>")]

    assert card.count("<meter") == 1
    assert 'aria-label="RAM used"' in card
    assert "VRAM" not in card
    assert "no GPU: memory is the system RAM" in card


def test_its_devices_table_does_not_call_ram_vram_free(page):
    row = re.search(r"<tr><td>—</td><td>CPU</td>(.*?)</tr>", page, re.S)[1]

    assert "uses the system RAM" in row
    assert "GiB" not in row


def test_its_chart_has_no_vram_panel_and_no_gpu_series(page):
    titles = re.findall(r'<text class="title"[^>]*>([^<]*)</text>', page)

    assert titles == ["Status", "RAM used (GiB)", "Fetch latency (ms)"]
    assert '<th scope="row">GPU 0</th>' not in page


def test_a_fresh_servers_dev_mode_reads_off_by_default(page):
    assert "<dt>Dev mode</dt><dd>off (default)</dd>" in page
