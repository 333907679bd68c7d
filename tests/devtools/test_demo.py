"""`make demo`: a week of history from the first page, and one clear line for a port in use."""

import socket

import pytest
from django.core.management import CommandError, call_command

from devtools.history import Shape, seed_history
from devtools.management.commands import demo
from runners.history import uptime
from runners.models import GpuSample, Snapshot, SnapshotRollup, SoftwareChange
from runners.units import DAY, GIB, HOUR
from tests.factories import make_runner, make_team

pytestmark = pytest.mark.django_db

NOW = 1_790_000_000
SHAPE = Shape(ram_total=64 * GIB, vram_totals=(24 * GIB, 24 * GIB), comfyui_version="0.3.64",
              pack="rgthree-comfy")  # fmt: skip


@pytest.fixture
def runner():
    return make_runner(make_team())


def test_a_week_of_fetches_is_seeded_with_samples_per_gpu(runner):
    written = seed_history({runner.pk: SHAPE}, NOW)

    assert written == Snapshot.objects.filter(runner=runner).count() > 5_000
    oldest = Snapshot.objects.filter(runner=runner).order_by("ts").first().ts
    assert NOW - oldest >= 7 * DAY - 120
    ok = Snapshot.objects.filter(runner=runner, status="ok").count()
    assert GpuSample.objects.filter(runner=runner).count() == 2 * ok


def test_rollups_are_built_so_long_charts_have_points(runner):
    seed_history({runner.pk: SHAPE}, NOW)

    assert SnapshotRollup.objects.filter(runner=runner, span_s=HOUR).count() >= 7 * 24 - 2


def test_uptime_shows_the_seeded_outages(runner):
    seed_history({runner.pk: SHAPE}, NOW)

    assert 2 <= len(uptime.outages(runner.pk, NOW)) <= 3
    (week,) = [value for label, value in uptime.windows_for(runner.pk, NOW) if label == "7 d"]
    assert 0.95 < week.fraction < 1


def test_the_change_log_shows_an_upgrade_and_a_pack(runner):
    seed_history({runner.pk: SHAPE}, NOW)

    changes = set(SoftwareChange.objects.values_list("item", "after"))
    assert changes == {("ComfyUI", "0.3.64"), ("rgthree-comfy", "installed")}


def test_seeding_again_writes_nothing(runner):
    seed_history({runner.pk: SHAPE}, NOW)

    assert seed_history({runner.pk: SHAPE}, NOW) == 0


def test_a_port_in_use_gets_one_clear_line(settings):
    settings.DEBUG = True
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        settings.COMFYCONTROL_API_URL = "http://127.0.0.1:8189"

        with pytest.raises(CommandError, match=f"Port {port} on 127.0.0.1 is in use: .*PORT="):
            call_command(demo.Command(), addr=f"127.0.0.1:{port}")
