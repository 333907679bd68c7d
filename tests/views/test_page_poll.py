"""One poll per page: a cursor of what the page shows, 204 while it holds, only what changed
otherwise, and refreshes that never make a viewer wait."""

import re
import socket
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from runners.models import Heartbeat, RunnerState
from runners.polling import background
from runners.status import Status
from tests.factories import make_member, make_runner, make_team

pytestmark = pytest.mark.django_db


def with_state(runner, status=Status.OK):
    now = timezone.now()
    RunnerState.objects.create(runner=runner, status=status, fetched_at=now, succeeded_at=now)
    return runner


def poll_url_of(page: str) -> str:
    return re.search(r'id="poller"[^>]*hx-get="([^"]+)"', page).group(1).replace("&amp;", "&")


def test_the_dashboard_polls_once_per_tick_whatever_its_number_of_runners(member_client, team):
    for _ in range(12):
        with_state(make_runner(team))

    page = member_client.get("/").content.decode()

    assert len(re.findall(r"hx-trigger=\"every \d+s", page)) == 1


def test_a_poll_that_finds_what_the_page_shows_answers_204(member_client, team):
    with_state(make_runner(team))
    poll = poll_url_of(member_client.get("/").content.decode())

    assert member_client.get(poll).status_code == 204


def test_a_poll_after_a_fetch_swaps_that_card_the_strip_and_the_next_poll(member_client, team):
    changed, same = with_state(make_runner(team, name="a")), with_state(make_runner(team, name="b"))
    poll = poll_url_of(member_client.get("/").content.decode())
    RunnerState.objects.filter(pk=changed.pk).update(fetched_at=timezone.now())

    answer = member_client.get(poll).content.decode()

    assert '<article hx-swap-oob="true" class="card' in answer
    assert f'id="card-{changed.pk}"' in answer
    assert f'id="card-{same.pk}"' not in answer
    assert 'id="strip" hx-swap-oob="true"' in answer
    assert 'id="poller" hx-swap-oob="true"' in answer


def test_a_table_row_travels_in_a_template_so_the_browser_keeps_it(member_client, team):
    runner = with_state(make_runner(team))
    poll = poll_url_of(member_client.get("/?view=table").content.decode())
    RunnerState.objects.filter(pk=runner.pk).update(fetched_at=timezone.now())

    answer = member_client.get(poll).content.decode()

    assert f'<template><tr hx-swap-oob="true" id="row-{runner.pk}"' in answer


def test_a_poll_after_a_runner_starts_failing_reorders_the_whole_grid(member_client, team):
    alpha, _ = (
        with_state(make_runner(team, name="alpha")),
        with_state(make_runner(team, name="beta")),
    )
    poll = poll_url_of(member_client.get("/").content.decode())
    RunnerState.objects.filter(runner__name="beta").update(status=Status.TIMEOUT)

    answer = member_client.get(poll).content.decode()

    assert 'id="grid" class="grid-wrap" hx-swap-oob="true"' in answer
    assert answer.index("beta") < answer.index(f'id="card-{alpha.pk}"')


def test_the_tab_title_follows_the_strip_of_a_poll(member_client, team):
    runner = with_state(make_runner(team))
    poll = poll_url_of(member_client.get("/").content.decode())
    RunnerState.objects.filter(pk=runner.pk).update(status=Status.TIMEOUT)

    answer = member_client.get(poll).content.decode()

    assert 'data-failing="1"' in answer


def test_a_runner_page_poll_replaces_the_page_but_not_its_forms(member_client, team):
    runner = with_state(make_runner(team, slug="box"))
    page = member_client.get(f"/runners/{team.slug}/box/").content.decode()
    poll = poll_url_of(page)
    assert member_client.get(poll).status_code == 204
    RunnerState.objects.filter(pk=runner.pk).update(fetched_at=timezone.now())

    answer = member_client.get(poll).content.decode()

    assert 'id="runner-main" hx-swap-oob="true"' in answer
    assert 'id="runner-history" hx-swap-oob="true"' in answer
    assert 'id="shares"' not in answer


@pytest.mark.django_db(transaction=True)
def test_a_poll_never_waits_for_a_runner_that_does_not_answer(client, settings):
    settings.PAGE_REFRESH_WORKERS = 2
    settings.UPSTREAM_DEADLINE = 2
    team = make_team()
    client.force_login(make_member(team))
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        runner = make_runner(team, base_url=f"http://127.0.0.1:{silent.getsockname()[1]}")

        answered = client.get("/poll/", {"cursor": "none"}).status_code
        state = RunnerState.objects.filter(pk=runner.pk).first()
        assert background.settle(timeout_s=10)

    assert answered == 200
    assert state is None or state.fetched_at is None  # still fetching when the poll answered
    assert RunnerState.objects.get(pk=runner.pk).status == Status.TIMEOUT


@pytest.mark.django_db(transaction=True)
def test_pages_leave_refreshing_to_a_collector_that_runs(client, settings, comfyui):
    settings.PAGE_REFRESH_WORKERS = 2
    team = make_team()
    client.force_login(make_member(team))
    runner = make_runner(team, base_url=comfyui.url_for("/").rstrip("/"))
    Heartbeat.objects.create(name=background.COLLECTOR, ts=time.time())

    client.get("/poll/", {"cursor": "none"})
    background.settle(timeout_s=10)

    assert not RunnerState.objects.filter(pk=runner.pk, fetched_at__isnull=False).exists()


def test_a_fetch_under_way_changes_nothing_on_the_page_until_it_ends(member_client, team):
    runner = with_state(make_runner(team))
    poll = poll_url_of(member_client.get("/").content.decode())

    RunnerState.objects.filter(pk=runner.pk).update(
        lease_until=timezone.now() + timedelta(seconds=10)
    )

    assert member_client.get(poll).status_code == 204
