"""Hostile bodies from a runner, through the collector and every page that shows the runner.

Whatever one runner sends, the collector's pass finishes, the runner ends in a failure state
with a plain sentence (or ok with capped data), and its pages answer.
"""

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from runners import sharing
from runners.models import RunnerState
from runners.polling import background, collector
from runners.upstream.parse import MAX_EXTENSIONS
from runners.upstream.responses import UNREADABLE
from tests.bodies import load
from tests.factories import make_direct_runner, make_member, make_runner, make_team

pytestmark = pytest.mark.django_db(transaction=True)

MARK = '"__hostile__"'
ROUTES = {
    "system_stats": "/api/system_stats",
    "extensions": "/api/extensions",
    "queue": "/api/queue",
    "settings": "/api/settings/Comfy.DevMode",
}
REQUIRED = ("system_stats", "extensions")
VALUES = {
    "an integer of 5,000 digits": "9" * 5000,
    "NaN": "NaN",
    "Infinity": "Infinity",
    "-Infinity": "-Infinity",
    "1e999": "1e999",
    "nesting 100 deep": "[" * 100 + "]" * 100,
    "nesting 900 deep": "[" * 900 + "]" * 900,
    "nesting 5,000 deep": "[" * 5000 + "]" * 5000,
    "400,000 tiny objects": "[" + ",".join(["{}"] * 400_000) + "]",
}
CASES = [(route, name) for route in ROUTES for name in VALUES]


def good_bodies() -> dict[str, object]:
    return {
        "system_stats": load("comfyui-0.3.64-cpu/system_stats.json"),
        "extensions": load("comfyui-0.3.64-cpu/extensions.json"),
        "queue": {"queue_running": [], "queue_pending": []},
        "settings": True,
    }


def with_hostile_value(route: str, value: str) -> bytes:
    """The route's good body with `value` spliced in where its parser would meet it."""
    body = good_bodies()[route]
    if route == "system_stats":
        body["system"]["hostile"] = "__hostile__"
    elif route == "extensions":
        body.append("__hostile__")
    elif route == "queue":
        body["queue_pending"] = "__hostile__"
    else:
        body = "__hostile__"
    return json.dumps(body).replace(MARK, value).encode()


def serve(httpserver, bodies: dict[str, bytes]) -> None:
    for route, path in ROUTES.items():
        body = bodies.get(route) or json.dumps(good_bodies()[route]).encode()
        httpserver.expect_request(path).respond_with_data(body, content_type="application/json")


@pytest.fixture
def runner_serving(httpserver):
    """A bookmarked runner whose server answers each route with the given bodies."""

    def bookmark(**bodies: bytes):
        serve(httpserver, bodies)
        return make_runner(make_team(), base_url=httpserver.url_for(""))

    return bookmark


def one_pass() -> collector.PassResult:
    with ThreadPoolExecutor(max_workers=2) as pool:
        result = collector.run_pass(pool, threading.Event())
        collector.close_connections(pool, 2)
    return result


def page_statuses(client, runner) -> dict[str, int]:
    """What each page showing the runner answers: to a member, a share link and an admin."""
    client.force_login(make_member(runner.team))
    _, token = sharing.create_link(runner, None, "", None)
    args = [runner.team.slug, runner.slug]
    statuses = {
        "dashboard": client.get(reverse("dashboard")).status_code,
        "runner poll": client.get(reverse("runner-poll", args=args)).status_code,
        "runner page": client.get(reverse("runner", args=args)).status_code,
        "share page": client.get(reverse("share", args=[token])).status_code,
        "share poll": client.get(reverse("share-poll", args=[token])).status_code,
    }
    client.force_login(User.objects.create_superuser("root", password="pw"))
    admin_list = reverse("admin:runners_runnerstate_changelist")
    statuses["admin list"] = client.get(admin_list).status_code
    statuses["admin change"] = client.get(
        reverse("admin:runners_runnerstate_change", args=[runner.pk])
    ).status_code
    return statuses


@pytest.mark.parametrize(("route", "value"), CASES)
def test_a_collector_pass_finishes(runner_serving, route, value):
    runner_serving(**{route: with_hostile_value(route, VALUES[value])})

    result = one_pass()

    assert (result.due, result.ok + result.failing) == (1, 1)


@pytest.mark.parametrize(("route", "value"), [c for c in CASES if c[0] in REQUIRED])
def test_a_required_route_puts_the_runner_in_bad_response_with_a_sentence(
    runner_serving, route, value
):
    runner = runner_serving(**{route: with_hostile_value(route, VALUES[value])})

    one_pass()

    state = RunnerState.objects.get(pk=runner.pk)
    assert state.status == "bad_response"
    assert state.error_sentence == UNREADABLE


@pytest.mark.parametrize(("route", "value"), [c for c in CASES if c[0] not in REQUIRED])
def test_an_optional_route_leaves_its_figure_unknown(runner_serving, route, value):
    runner = runner_serving(**{route: with_hostile_value(route, VALUES[value])})

    one_pass()

    state = RunnerState.objects.get(pk=runner.pk)
    assert state.status == "ok"
    figure = "queue_running" if route == "queue" else "dev_mode"
    assert state.stats[figure] is None


@pytest.mark.parametrize(("route", "value"), CASES)
def test_every_page_of_the_runner_answers(client, runner_serving, route, value):
    runner = runner_serving(**{route: with_hostile_value(route, VALUES[value])})
    one_pass()

    statuses = page_statuses(client, runner)

    assert set(statuses.values()) <= {200, 204}, statuses


@pytest.mark.parametrize(("route", "value"), CASES)
def test_a_page_poll_that_refreshes_the_runner_answers_before_and_after(
    client, runner_serving, route, value, settings
):
    settings.PAGE_REFRESH_WORKERS = 2
    runner = runner_serving(**{route: with_hostile_value(route, VALUES[value])})
    client.force_login(make_member(runner.team))
    poll = reverse("runner-poll", args=[runner.team.slug, runner.slug])

    first = client.get(poll, {"cursor": "stale"})
    assert background.settle(timeout_s=10)
    second = client.get(poll, {"cursor": "stale"})

    assert (first.status_code, second.status_code) == (200, 200)
    assert RunnerState.objects.get(pk=runner.pk).fetched_at is not None


def test_what_is_stored_is_small_whatever_the_runner_sends(runner_serving):
    stats = good_bodies()["system_stats"]
    stats["system"]["hostile"] = [{}] * 15_000
    stats["system"]["argv"] = ["main.py", *["A" * 5000] * 300]
    runner = runner_serving(system_stats=json.dumps(stats).encode())

    one_pass()

    state = RunnerState.objects.get(pk=runner.pk)
    assert state.status == "ok"
    assert len(json.dumps(state.raw)) + len(json.dumps(state.stats)) < 40_000
    assert len(state.argv) == 64


EXTENSION_COUNT = 20_000


@pytest.fixture
def many_extensions(runner_serving):
    paths = [f"/extensions/pack-{i % 700}/{'x' * 150}-{i}.js" for i in range(EXTENSION_COUNT)]
    runner = runner_serving(extensions=json.dumps(paths).encode())
    one_pass()
    return runner


def test_twenty_thousand_extensions_are_stored_capped_with_their_count(many_extensions):
    state = RunnerState.objects.get(pk=many_extensions.pk)

    assert state.status == "ok"
    assert len(state.stats["extensions"]) == MAX_EXTENSIONS
    assert state.stats["extensions_total"] == EXTENSION_COUNT


def test_the_runner_page_lists_some_extensions_and_counts_the_rest(client, many_extensions):
    runner = many_extensions
    client.force_login(make_member(runner.team))

    response = client.get(reverse("runner", args=[runner.team.slug, runner.slug]))

    page = response.content.decode()
    assert f"{EXTENSION_COUNT} files" in page
    assert "more files not listed" in page
    assert len(response.content) < 200_000


def test_every_page_of_a_runner_with_twenty_thousand_extensions_answers(client, many_extensions):
    statuses = page_statuses(client, many_extensions)

    assert set(statuses.values()) <= {200, 204}, statuses


def test_a_failing_runner_does_not_stop_the_pass_for_the_others(runner_serving, simulator):
    hostile = runner_serving(system_stats=with_hostile_value("system_stats", "9" * 5000))
    healthy = make_direct_runner(simulator)

    result = one_pass()

    assert (result.ok, result.failing) == (1, 1)
    assert RunnerState.objects.get(pk=hostile.pk).status == "bad_response"
    assert RunnerState.objects.get(pk=healthy.pk).status == "ok"


@pytest.mark.parametrize("value", VALUES)
def test_a_comfycontrol_runner_sending_it_is_a_bad_response(httpserver, settings, value):
    settings.COMFYCONTROL_API_URL = httpserver.url_for("").rstrip("/")
    runner = make_runner(make_team(), source="managed", comfycontrol_id="r-1")
    body = load("comfycontrol-docs/managed-runner-stats.json")
    body["system"]["hostile"] = "__hostile__"
    hostile = json.dumps(body).replace(MARK, VALUES[value]).encode()
    httpserver.expect_request("/v1/managed-runner/r-1/stats").respond_with_data(hostile)

    one_pass()

    assert RunnerState.objects.get(pk=runner.pk).status == "bad_response"
