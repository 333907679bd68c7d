"""Importing runner bookmarks from a ComfyControl account served by the simulator."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from runners.models import Runner
from simulator import Fleet, SimulatorServer
from tests.factories import make_team, make_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(settings):
    # 150 managed runners are 2 pages of 100 and 100 self-hosted runners are 1: 3 pages.
    with SimulatorServer(Fleet.generate(managed=150, self_hosted=100, direct=0)) as server:
        settings.COMFYCONTROL_API_URL = server.base_url
        yield server


@pytest.fixture
def team():
    team = make_team("Studio", slug="studio")
    make_token(team, secret="cfc_sim_pro", label="main")
    return team


def run_import(**options) -> str:
    out = StringIO()
    call_command("import_runners", team="studio", token_label="main", stdout=out, **options)
    return out.getvalue()


def comfycontrol_requests(server) -> int:
    return server.fleet.stats()["requests"]["comfycontrol"]


def test_import_creates_a_bookmark_per_runner_from_three_pages(account, team):
    output = run_import()

    assert Runner.objects.filter(team=team).count() == 250
    assert Runner.objects.filter(source="managed").count() == 150
    assert "250 created" in output
    assert comfycontrol_requests(account) == 3


def test_importing_again_changes_nothing(account, team):
    run_import()
    before = list(Runner.objects.order_by("pk").values())

    output = run_import()

    assert list(Runner.objects.order_by("pk").values()) == before
    assert "0 created, 0 updated, 250 unchanged" in output


def test_headers_of_self_hosted_runners_are_never_stored(account, team):
    run_import()

    assert all(runner.headers == {} for runner in Runner.objects.filter(source="self_hosted"))


def test_a_free_plan_skips_managed_runners_and_says_so(account, team):
    team.tokens.update(label="old")
    make_token(team, secret="cfc_sim_free", label="main")

    output = run_import()

    assert Runner.objects.filter(source="managed").count() == 0
    assert Runner.objects.filter(source="self_hosted").count() == 100
    assert "Pro or Plus" in output


def test_an_invalid_token_is_a_clear_command_error(account, team):
    team.tokens.update(label="old")
    make_token(team, secret="cfc_wrong_token", label="main")

    with pytest.raises(CommandError, match="rejected the team's API token"):
        run_import()


def test_an_unknown_token_label_is_a_clear_command_error(account, team):
    with pytest.raises(CommandError, match="no token labelled"):
        call_command("import_runners", team="studio", token_label="nope")
