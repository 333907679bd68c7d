"""Dashboard polls of the same teams and query share one read of the runners for a moment;
a page never goes back in time, and what was written reaches the polls within that moment."""

import re
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from runners.models import Runner, RunnerState
from runners.polling import background
from runners.status import Status
from tests.factories import make_member, make_runner, make_team
from tests.views.test_page_poll import poll_url_of, with_state

SHARE_S = 2.0


@pytest.fixture(autouse=True)
def _sharing(settings):
    settings.DASHBOARD_POLL_SHARE_S = SHARE_S


def runner_reads(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return sum('FROM "runners_runner"' in q["sql"] and "state" in q["sql"] for q in queries)


@pytest.mark.django_db
def test_a_second_poll_of_the_same_page_reads_no_runners(member_client, team):
    with_state(make_runner(team))
    poll = poll_url_of(member_client.get("/").content.decode())

    first, second = runner_reads(member_client, poll), runner_reads(member_client, poll)

    assert first > 0
    assert second == 0


@pytest.mark.django_db
def test_polls_of_other_teams_never_share_their_runners(client):
    ours, theirs = make_team("Ours"), make_team("Theirs")
    with_state(make_runner(ours, name="our-runner"))
    with_state(make_runner(theirs, name="their-runner"))
    client.force_login(make_member(ours))
    client.get("/poll/", {"cursor": "none"})

    client.force_login(make_member(theirs))
    answer = client.get("/poll/", {"cursor": "none"}).content.decode()

    assert "their-runner" in answer
    assert "our-runner" not in answer


@pytest.mark.django_db
def test_a_page_that_shows_newer_rows_than_those_shared_reads_its_own(member_client, team):
    with_state(make_runner(team))
    older_poll = poll_url_of(member_client.get("/").content.decode())
    member_client.get(older_poll)  # shares rows read now
    newer = re.sub(r"seen=[\d.]+", f"seen={time.time() + 1:.3f}", older_poll)

    assert runner_reads(member_client, newer) > 0


@pytest.mark.django_db
def test_a_failure_written_after_a_shared_read_reaches_the_polls_within_the_share(
    member_client, team
):
    runner = with_state(make_runner(team))
    poll = poll_url_of(member_client.get("/").content.decode())
    member_client.get(poll)
    RunnerState.objects.filter(pk=runner.pk).update(
        status=Status.TIMEOUT, error_sentence="The runner did not answer in time."
    )

    time.sleep(SHARE_S)

    assert "did not answer" in member_client.get(poll).content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_runner_this_process_refreshed_after_the_rows_were_read_is_not_due_in_them(
    settings, comfyui
):
    settings.PAGE_REFRESH_WORKERS = 2
    runner = make_runner(make_team(), base_url=comfyui.url_for("/").rstrip("/"))
    read_at = time.time()
    rows = list(Runner.objects.select_related("state", "token").filter(pk=runner.pk))
    background.refresh_soon(rows)
    background.settle(timeout_s=10)

    from_the_rows = background.refresh_soon(rows, read_at=read_at)
    as_if_read_now = background.refresh_soon(rows)  # it looks due: only read_at knows better
    background.settle(timeout_s=10)

    assert (from_the_rows, as_if_read_now) == (0, 1)
