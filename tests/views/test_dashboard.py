import jinja2
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from runners.models import Runner, RunnerState, Snapshot
from runners.upstream.parse import parse_system_stats
from tests.bodies import load
from tests.factories import make_member, make_runner

pytestmark = pytest.mark.django_db
GIB = 1024**3


def with_state(runner, status="ok", vram_free=None, **fields):
    stats = parse_system_stats(load("comfyui-0.3.64-cpu/system_stats.json"))
    now = timezone.now()
    RunnerState.objects.create(
        runner=runner,
        status=status,
        fetched_at=now,
        succeeded_at=now,
        stats=stats.to_dict(),
        vram_free_max=vram_free,
        **fields,
    )
    return runner


def names_on(response) -> list[str]:
    return [runner.name for runner in response.context["listing"].runners]


def test_a_card_shows_hardware_versions_and_extensions(member_client, team):
    with_state(make_runner(team, name="Render box"))

    page = member_client.get("/").content.decode()

    assert "Render box" in page
    assert "0.3.64" in page
    assert "3.11.7" in page
    assert "23.5 GiB" in page  # RAM total, one decimal
    assert 'title="25,276,502,016 bytes"' in page


def test_an_empty_team_gets_a_helpful_empty_state(member_client):
    page = member_client.get("/").content.decode()

    assert "Your teams have no runners yet" in page


def test_search_matches_name_tag_or_gpu_model(member_client, team):
    with_state(make_runner(team, name="alpha", tags="prod"), gpu_models="NVIDIA H100 80GB HBM3")
    with_state(make_runner(team, name="beta", tags="dev"), gpu_models="NVIDIA GeForce RTX 4090")

    assert names_on(member_client.get("/?q=h100")) == ["alpha"]
    assert names_on(member_client.get("/?q=dev")) == ["beta"]
    assert names_on(member_client.get("/?q=bet")) == ["beta"]


def test_capacity_filter_keeps_runners_with_enough_free_vram(member_client, team):
    with_state(make_runner(team, name="big"), vram_free=60 * GIB)
    with_state(make_runner(team, name="small"), vram_free=8 * GIB)
    make_runner(team, name="never fetched")

    assert names_on(member_client.get("/?min_vram=20")) == ["big"]


def test_sort_by_free_vram_puts_the_most_free_first(member_client, team):
    with_state(make_runner(team, name="a"), vram_free=8 * GIB)
    with_state(make_runner(team, name="b"), vram_free=60 * GIB)
    make_runner(team, name="c")

    assert names_on(member_client.get("/?sort=vram")) == ["b", "a", "c"]


def test_status_filter_shows_failing_runners(member_client, team):
    with_state(make_runner(team, name="up"))
    with_state(make_runner(team, name="down"), status="timeout", error_sentence="Too slow.")

    assert names_on(member_client.get("/?status=failing")) == ["down"]


def test_a_bad_filter_value_is_a_form_error_not_a_crash(member_client, team):
    response = member_client.get("/?min_vram=lots&sort=random")

    assert response.status_code == 200
    assert "Enter a number" in response.content.decode()


def test_an_htmx_filter_request_renders_only_the_grid(member_client, team):
    with_state(make_runner(team, name="alpha"))

    page = member_client.get("/?q=alp", headers={"HX-Request": "true"}).content.decode()

    assert "alpha" in page
    assert "<html" not in page


def test_a_failed_card_keeps_its_last_stats_with_the_failure_sentence(member_client, team):
    with_state(
        make_runner(team, name="flaky"),
        status="unreachable",
        error_sentence="The runner could not be reached.",
    )

    page = member_client.get("/").content.decode()

    assert "The runner could not be reached." in page
    assert "is-failing" in page
    assert "0.3.64" in page


def test_the_dashboards_query_count_does_not_grow_with_runners(member_client, team):
    def queries_for(count):
        for _ in range(count):
            runner = with_state(make_runner(team))
            Snapshot.objects.create(runner=runner, ts=int(timezone.now().timestamp()), status="ok")
        with CaptureQueriesContext(connection) as captured:
            assert member_client.get("/").status_code == 200
        return len(captured)

    assert queries_for(5) == queries_for(45)  # 5 runners, then 50


def test_the_page_says_when_comfycontrol_intervals_are_stretched(member_client, team, settings):
    settings.COMFYCONTROL_BUDGET_PER_10S = 5  # one request per 10 s after the burst
    for _ in range(3):
        with_state(make_runner(team, source="managed", poll_interval=5))

    page = member_client.get("/").content.decode()

    assert "rate limit" in page
    assert "(stretched)" in page


def card_renders_during(action, monkeypatch) -> int:
    """Cards rendered while `action` runs, counted at Jinja2's render."""
    rendered = []
    render = jinja2.Template.render

    def counting(template, *args, **kwargs):
        rendered.append(template.name)
        return render(template, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(jinja2.Template, "render", counting)
        action()
    return rendered.count("cards/card.html")


def test_a_card_is_rendered_once_for_every_viewer_until_it_changes(client, team, monkeypatch):
    with_state(make_runner(team))
    viewers = [make_member(team), make_member(team)]

    def both_load_the_dashboard():
        for viewer in viewers:
            client.force_login(viewer)
            client.get("/")

    assert card_renders_during(both_load_the_dashboard, monkeypatch) == 1


def test_a_renamed_runner_shows_its_new_name_at_once(member_client, team):
    runner = with_state(make_runner(team, name="Render box"))
    member_client.get("/")

    Runner.objects.filter(pk=runner.pk).update(name="Bake box")
    page = member_client.get("/").content.decode()

    assert "Bake box" in page
    assert "Render box" not in page
