"""The demo's seeded history: past fetches from the simulator's curves, with an outage."""

import pytest

from devtools.seeding import seed_fleet, seed_history
from runners.history import uptime
from runners.models import Runner, SnapshotRollup, StatusChange
from simulator import Fleet
from tests.factories import make_team

pytestmark = pytest.mark.django_db


def test_seeded_history_has_an_outage_and_rollups_and_is_written_once():
    team = make_team()
    fleet = Fleet.generate(managed=0, self_hosted=0, direct=1, seed=1)
    seed_fleet(team, fleet.describe("http://127.0.0.1:9"))
    runner = Runner.objects.get(team=team)

    written = seed_history(team, fleet, hours=4)
    again = seed_history(team, fleet, hours=4)

    assert (written > 0, again) == (True, 0)
    assert list(StatusChange.objects.filter(runner=runner).values_list("status", flat=True)) == [
        "ok",
        "timeout",
        "ok",
    ]
    assert SnapshotRollup.objects.filter(runner=runner).exists()
    assert uptime.outages(runner.pk, now_ts=2**31 - 1)[0].statuses == ("timeout",)
