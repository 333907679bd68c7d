"""The JSON API's runner endpoints: the dashboard's filters, one runner, its history."""

import pytest

from runners.units import GIB
from tests.api.conftest import fetched_runner
from tests.factories import make_runner

pytestmark = pytest.mark.django_db


def test_the_list_holds_the_teams_runners_with_their_status(api, team, simulator):
    fetched_runner(team, simulator, 0, name="Alpha", slug="alpha")
    make_runner(team, name="Beta", slug="beta", paused=True)

    answer = api("runners/").json()

    assert answer["count"] == 2
    by_slug = {runner["slug"]: runner for runner in answer["results"]}
    assert by_slug["alpha"]["status"] == "ok"
    assert by_slug["alpha"]["vram_free_max"] > 0
    assert by_slug["beta"]["status"] == "paused"


def test_the_list_filters_like_the_dashboard(api, team, simulator):
    fetched_runner(team, simulator, 0, name="Alpha", slug="alpha", tags="render")
    make_runner(team, name="Beta", slug="beta", paused=True)

    assert [r["slug"] for r in api("runners/", q="render").json()["results"]] == ["alpha"]
    assert [r["slug"] for r in api("runners/", status="paused").json()["results"]] == ["beta"]
    assert api("runners/", min_vram=9999).json()["count"] == 0


def test_the_list_is_paginated(api, team):
    for n in range(5):
        make_runner(team, name=f"Runner {n}", slug=f"runner-{n}")

    answer = api("runners/", per_page=2, page=3, sort="name").json()

    assert (answer["count"], answer["pages"], answer["page"]) == (5, 3, 3)
    assert [r["slug"] for r in answer["results"]] == ["runner-4"]


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"page": "two"}, "page"),
        ({"page": 9}, "page"),
        ({"per_page": 500}, "per_page"),
        ({"status": "sleeping"}, "status"),
        ({"min_vram": "lots"}, "min_vram"),
        ({"min_vram": -1}, "min_vram"),
        ({"sort": "colour"}, "sort"),
    ],
)
def test_a_bad_parameter_gets_400_naming_it(api, team, params, parameter):
    make_runner(team)

    response = api("runners/", **params)

    assert response.status_code == 400
    body = response.json()
    assert body["status"] == 400
    assert body["parameter"] == parameter
    assert f"“{parameter}”" in body["message"]


def test_one_runner_has_its_stats_devices_packs_and_queue(api, team, simulator):
    runner = fetched_runner(team, simulator, 1, slug="alpha")

    answer = api("runners/alpha").json()

    assert answer["status"] == "ok"
    assert answer["system"]["comfyui_version"]
    assert answer["devices"][0]["vram_total"] > GIB
    assert isinstance(answer["packs"], list)
    assert set(answer["queue"]) == {"running", "pending"}
    assert runner.headers and not any(v in response_text(api) for v in runner.headers.values())


def response_text(api) -> str:
    return api("runners/alpha").content.decode()


def test_a_runner_of_no_runner_is_a_json_404(api):
    response = api("runners/nobody")

    assert response.status_code == 404
    assert response.json() == {
        "status": 404,
        "message": "The key's team has no runner at this address.",
    }


def test_a_runners_history_has_its_series_over_the_range(api, team, simulator):
    fetched_runner(team, simulator, 0, slug="alpha")

    answer = api("runners/alpha/history", range="1h").json()

    assert answer["range"] == "1h"
    series = {series["label"]: series for series in answer["series"]}
    assert {"RAM", "GPU 0", "Availability"} <= set(series)
    assert series["Availability"]["high"] == 100


def test_a_history_range_that_does_not_exist_gets_400(api, team):
    make_runner(team, slug="alpha")

    response = api("runners/alpha/history", range="1y")

    assert response.status_code == 400
    assert response.json()["parameter"] == "range"
