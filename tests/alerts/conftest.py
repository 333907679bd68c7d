from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from runners import polling
from runners.alerts import setup
from runners.models import Channel, Event, Runner
from tests.factories import make_direct_runner

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@dataclass
class Watched:
    """A direct runner of the simulator whose fetches the test drives, minute by minute."""

    runner: Runner
    simulator: object
    traveller: time_machine.Coordinates
    now: datetime = START

    @property
    def sim_id(self) -> str:
        return self.simulator.fleet.of_kind("direct")[0].id

    def fetch(self, mode: str = "ok", *, after_s: int = 60) -> None:
        """Let `after_s` pass, switch the simulated runner to `mode`, and poll it once."""
        self.now += timedelta(seconds=after_s)
        self.traveller.move_to(self.now)
        self.simulator.fleet.set_mode(self.sim_id, mode)
        runner = Runner.objects.select_related("team", "state", "token").get(pk=self.runner.pk)
        assert polling.attempt(runner).fetched

    def kinds(self) -> list[str]:
        return list(Event.objects.order_by("ts", "kind").values_list("kind", flat=True))


@pytest.fixture
def watched(simulator, db):
    """A direct runner in a team with one email channel, polled every 30 s from 09:00."""
    runner = make_direct_runner(simulator, poll_interval=30)
    setup.create_channel(runner.team, Channel.Kind.EMAIL, "ops", "ops@example.com")
    with time_machine.travel(START, tick=False) as traveller:
        yield Watched(runner, simulator, traveller)
