"""The public share page: the runner's card and charts, and nothing that names its address."""

import pytest
from django.utils import timezone

from runners import sharing
from runners.models import RunnerState
from runners.status import Status
from tests.factories import make_member, make_runner, make_team

pytestmark = pytest.mark.django_db

HOST_SENTENCE = "The name gpu7.render.internal did not resolve."


@pytest.fixture
def unreachable_runner():
    runner = make_runner(make_team(), base_url="http://gpu7.render.internal:8188")
    RunnerState.objects.create(
        runner=runner, status="unreachable", fetched_at=timezone.now(), error_sentence=HOST_SENTENCE
    )
    return runner


def test_the_team_sees_the_failure_sentence_that_names_the_host(client, unreachable_runner):
    runner = unreachable_runner
    client.force_login(make_member(runner.team))

    page = client.get(f"/runners/{runner.team.slug}/{runner.slug}/").content.decode()

    assert HOST_SENTENCE in page


@pytest.mark.parametrize("path", ["", "poll/"])
def test_a_share_page_says_what_failed_without_naming_the_host(client, unreachable_runner, path):
    _, token = sharing.create_link(unreachable_runner, None, "", None)

    page = client.get(f"/s/{token}/{path}").content.decode()

    assert "gpu7.render.internal" not in page
    assert Status.UNREACHABLE.sentence in page


def test_a_share_page_of_a_runner_with_nothing_recorded_says_so_under_its_h1(
    client, unreachable_runner
):
    _, token = sharing.create_link(unreachable_runner, None, "", None)

    page = client.get(f"/s/{token}/").content.decode()

    assert f"<h1>{unreachable_runner.name}</h1>" in page
    assert "Nothing was recorded in the last 24 hours." in page
    assert '<svg class="trend"' not in page
