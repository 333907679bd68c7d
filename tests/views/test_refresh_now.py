""" "Refresh now" answers what it did: a fetch started, or the data is fresh and when the
next fetch may run."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from runners.models import RunnerState
from tests.factories import make_member, make_runner, make_team

pytestmark = pytest.mark.django_db

NOW = 1_700_000_100


@pytest.fixture
def runner():
    return make_runner(make_team("Studio", slug="studio"), slug="box")


@pytest.fixture
def editor(client, runner):
    client.force_login(make_member(runner.team))
    return client


def test_refresh_now_right_after_a_fetch_says_the_data_is_fresh_and_when_it_may_fetch(
    editor, runner
):
    with time_machine.travel(NOW, tick=False):
        RunnerState.objects.create(
            runner=runner, status="ok", fetched_at=timezone.now() - timedelta(seconds=2)
        )
        response = editor.post("/runners/studio/box/refresh/")

    assert "Fresh: fetched 2 s ago. The next fetch may start in 3 s." in response.content.decode()
    assert "poll-now" in response.headers["HX-Trigger"]


def test_refresh_now_starts_a_fetch_and_asks_the_page_to_poll(editor, runner, settings):
    settings.PAGE_REFRESH_WORKERS = 0  # nothing may start fetching in this test's background

    response = editor.post("/runners/studio/box/refresh/")

    assert "Fetching now" in response.content.decode()
    assert "poll-now" in response.headers["HX-Trigger"]
