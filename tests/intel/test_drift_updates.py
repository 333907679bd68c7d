"""Drift follows software changes: each changed team is compared once, by whoever refreshes."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from runners.intel import drift
from runners.intel.models import Software
from runners.models import Runner, Team
from runners.polling import background
from tests.factories import make_fleet_runner, make_team
from tests.test_collector import fleet, one_pass  # noqa: F401  (fleet is a fixture)


def stored(team: Team) -> dict[int, str]:
    rows = Software.objects.filter(runner__team=team).exclude(drift="")
    return dict(rows.values_list("runner_id", "drift"))


def computed(team: Team) -> dict[int, str]:
    return {runner_id: found.sentence for runner_id, found in drift.drift_for(team).items()}


def changed_team(runners: int) -> Team:
    team = make_team()
    for number in range(runners):
        packs = ("rgthree-comfy",) if number else ()
        make_fleet_runner(team, packs, name=f"r{number}", slug=f"r{number}")
    return team


@pytest.mark.django_db
def test_a_software_change_stores_the_drift_its_team_now_has():
    team = changed_team(3)

    assert drift.update_due() == 1

    lacking = Runner.objects.get(slug="r0").pk
    assert stored(team) == computed(team) == {lacking: "lacks rgthree-comfy"}
    assert not Software.objects.filter(drift_due=True).exists()


@pytest.mark.django_db
def test_a_team_is_compared_once_however_many_of_its_runners_changed():
    changed_team(3)
    with CaptureQueriesContext(connection) as few:
        drift.update_due()
    changed_team(30)
    with CaptureQueriesContext(connection) as many:
        drift.update_due()

    assert len(many) == len(few)


@pytest.mark.django_db
def test_nothing_changed_costs_one_query_and_compares_no_team():
    changed_team(3)
    drift.update_due()

    with CaptureQueriesContext(connection) as queries:
        assert drift.update_due() == 0

    assert len(queries) == 1


@pytest.mark.django_db
def test_a_change_after_an_update_is_compared_by_the_next():
    team = changed_team(4)
    drift.update_due()

    make_fleet_runner(team, (), name="late", slug="late")
    drift.update_due()

    assert stored(team) == computed(team)
    assert len(stored(team)) == 2


@pytest.fixture
def fleet_team(request) -> Team:
    """The team of the collector tests' simulated fleet: eight direct runners whose packs differ."""
    request.getfixturevalue("fleet")
    return Team.objects.get(slug="fleet")


@pytest.mark.django_db(transaction=True)
def test_a_collector_pass_stores_the_drift_of_the_runners_it_fetched(fleet_team):
    one_pass()

    assert stored(fleet_team) == computed(fleet_team) != {}


@pytest.mark.django_db(transaction=True)
def test_refreshes_a_page_started_store_the_drift_once_they_end(fleet_team, settings):
    settings.PAGE_REFRESH_WORKERS = 3

    background.refresh_soon(Runner.objects.select_related("state", "token"))
    assert background.settle(timeout_s=20)

    assert stored(fleet_team) == computed(fleet_team) != {}
