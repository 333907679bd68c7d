"""The dashboard at a glance: the status strip, failing first, the table view and its pages."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from runners.fleet.listing import PAGE_SIZE
from runners.models import RunnerState
from runners.stats import Device, RunnerStats
from runners.status import Status
from tests.factories import make_runner

pytestmark = pytest.mark.django_db
GIB = 1024**3


def a100(index: int, free_gib: float) -> Device:
    return Device(
        type="cuda", model="NVIDIA A100-SXM4-80GB", index=index,
        vram_total=80 * GIB, vram_free=int(free_gib * GIB),
    )  # fmt: skip


def with_state(runner, status=Status.OK, stats=None, **fields):
    now = timezone.now()
    stats = stats or RunnerStats(
        os="posix", devices=(a100(0, 40),), queue_running=0, queue_pending=0
    )
    return RunnerState.objects.create(
        runner=runner,
        status=status,
        fetched_at=now,
        succeeded_at=fields.pop("succeeded_at", now),
        stats=stats.to_dict(),
        vram_free_total=stats.vram_free_total,
        idle_gpus=stats.idle_gpu_count,
        **fields,
    )


def names_on(response) -> list[str]:
    return [runner.name for runner in response.context["listing"].runners]


def test_the_strip_counts_runners_in_each_state(member_client, team):
    with_state(make_runner(team, name="up"))
    with_state(make_runner(team, name="down"), status=Status.TIMEOUT)
    with_state(make_runner(team, name="held", paused=True), status=Status.PAUSED)
    make_runner(team, name="new")

    strip = member_client.get("/").context["listing"].strip

    assert strip.counts == {"ok": 1, "failing": 1, "paused": 1, "pending": 1}


def test_each_count_in_the_strip_links_to_its_filter(member_client, team):
    with_state(make_runner(team), status=Status.UNREACHABLE)

    page = member_client.get("/?view=table").content.decode()

    assert re.search(r'href="\?status=failing&amp;view=table"><strong>1</strong> failing', page)


def test_the_strip_adds_up_free_vram_and_idle_gpus_of_the_runners_that_are_up(member_client, team):
    two = RunnerStats(devices=(a100(0, 10), a100(1, 30)), queue_running=0, queue_pending=0)
    with_state(make_runner(team), stats=two)
    with_state(make_runner(team), status=Status.TIMEOUT, stats=two)

    strip = member_client.get("/").context["listing"].strip

    assert (strip.vram_free, strip.idle_gpus) == (40 * GIB, 2)


def test_the_tab_title_counts_failing_runners(member_client, team):
    with_state(make_runner(team), status=Status.TIMEOUT)
    with_state(make_runner(team), status=Status.BLOCKED)

    page = member_client.get("/").content.decode()

    assert "<title>(2 failing) Runners · comfyweb</title>" in page


def test_failing_runners_come_first_then_by_name(member_client, team):
    for name in ("alpha", "beta", "gamma"):
        with_state(make_runner(team, name=name))
    RunnerState.objects.filter(runner__name="gamma").update(status=Status.UNREACHABLE)

    assert names_on(member_client.get("/")) == ["gamma", "alpha", "beta"]


def test_a_failing_card_says_since_when_it_is_down_and_when_it_last_worked(member_client, team):
    down_since = timezone.now() - timedelta(minutes=4)
    with_state(
        make_runner(team), status=Status.TIMEOUT, down_since=down_since,
        succeeded_at=down_since - timedelta(seconds=30),
    )  # fmt: skip

    page = member_client.get("/").content.decode()

    assert re.search(r"down <time[^>]*>4 min</time> · last OK <time[^>]*data-clock>", page)


def test_a_runner_that_never_answered_says_so_with_its_last_try(member_client, team):
    RunnerState.objects.create(
        runner=make_runner(team), status=Status.UNREACHABLE, fetched_at=timezone.now()
    )

    page = member_client.get("/").content.decode()

    assert "never reached · last try <time" in page


def test_a_card_shows_free_vram_per_gpu_with_its_index_and_groups_identical_gpus(
    member_client, team
):
    four = RunnerStats(devices=tuple(a100(i, 80 - 20 * i) for i in range(4)))
    with_state(make_runner(team), stats=four)

    page = member_client.get("/").content.decode()

    assert "4\N{MULTIPLICATION SIGN} NVIDIA A100-SXM4-80GB" in page
    assert re.search(r"GPU 3</span>\s*<span[^>]*><strong><span[^>]*>20.0 GiB</span> free", page)


def test_a_nearly_full_gpu_says_so_in_words(member_client, team):
    with_state(make_runner(team), stats=RunnerStats(devices=(a100(0, 4),)))

    page = member_client.get("/").content.decode()

    assert "95 % used, nearly full" in page


@pytest.mark.parametrize(
    ("os", "shown"),
    [("posix", "Linux or macOS"), ("nt", "Windows"), ("linux", "Linux"), ("darwin", "macOS")],
)
def test_the_os_is_named_as_people_name_it(member_client, team, os, shown):
    with_state(make_runner(team), stats=RunnerStats(os=os))

    page = member_client.get("/").content.decode()

    assert f"<dd>{shown}</dd>" in page


def test_the_table_view_has_one_row_per_runner_with_grouped_gpus(member_client, team):
    with_state(make_runner(team, name="farm"), stats=RunnerStats(devices=(a100(0, 1), a100(1, 2))))
    with_state(make_runner(team, name="solo"))

    page = member_client.get("/?view=table").content.decode()

    assert page.count('<tr id="row-') == 2
    assert "2\N{MULTIPLICATION SIGN} NVIDIA A100-SXM4-80GB" in page
    assert "article" not in page.split('id="grid"')[1]


def test_a_table_column_sorts_and_keeps_the_view(member_client, team):
    with_state(make_runner(team, name="small"), vram_free_max=1 * GIB)
    with_state(make_runner(team, name="big"), vram_free_max=70 * GIB)

    response = member_client.get("/?view=table&sort=vram")

    assert names_on(response) == ["big", "small"]
    assert 'href="?sort=vram&amp;view=table" aria-sort="descending"' in response.content.decode()


def test_a_large_fleet_is_shown_a_page_at_a_time(member_client, team):
    for n in range(PAGE_SIZE + 5):
        make_runner(team, name=f"r{n:04}")

    first, second = member_client.get("/?view=table"), member_client.get("/?view=table&page=2")

    assert (len(names_on(first)), len(names_on(second))) == (PAGE_SIZE, 5)
    assert "Page 1 of 2" in first.content.decode()
