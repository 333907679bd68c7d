"""Every way a fetch can fail becomes a state with a plain sentence, end to end."""

import socket

import pytest

from runners import polling
from runners.models import ApiToken
from tests.factories import make_direct_runner, make_runner, make_team, make_token

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("short_deadline")]


def comfycontrol_runner(simulator, kind="managed", token="cfc_sim_pro", mode="ok", runner_id=None):
    sim_runner = simulator.fleet.of_kind(kind)[0]
    simulator.fleet.set_mode(sim_runner.id, mode)
    team = make_team()
    return make_runner(
        team,
        source=kind,
        comfycontrol_id=runner_id or sim_runner.id,
        token=make_token(team, secret=token),
    )


@pytest.mark.parametrize(
    ("mode", "status"),
    [
        ("hang", "timeout"),
        ("drip", "timeout"),
        ("garbage", "bad_response"),
        ("wrong_shape", "bad_response"),
        ("huge", "bad_response"),
        ("huge_chunked", "bad_response"),
        ("status:500", "upstream_error"),
        ("status:502", "upstream_error"),
        ("status:401", "unauthorized"),
        ("status:404", "not_found"),
    ],
)
def test_a_direct_runner_failure_becomes_its_state(simulator, mode, status):
    state = polling.refresh(make_direct_runner(simulator, mode))

    assert state.status == status
    assert state.error_sentence.endswith(".")


@pytest.mark.parametrize(
    ("mode", "status"),
    [
        ("hang", "timeout"),
        ("garbage", "bad_response"),
        ("status:500", "upstream_error"),
        ("status:503", "upstream_error"),
    ],
)
def test_a_comfycontrol_runner_failure_becomes_its_state(comfycontrol, mode, status):
    state = polling.refresh(comfycontrol_runner(comfycontrol, mode=mode))

    assert state.status == status


def test_an_expired_token_asks_to_check_the_teams_token(comfycontrol):
    runner = comfycontrol_runner(comfycontrol, token="cfc_sim_expired")

    state = polling.refresh(runner)

    assert state.status == "unauthorized"
    assert "token" in state.error_sentence
    assert ApiToken.objects.get(pk=runner.token_id).last_status == "unauthorized"


def test_a_free_plan_cannot_read_managed_runners(comfycontrol):
    state = polling.refresh(comfycontrol_runner(comfycontrol, token="cfc_sim_free"))

    assert state.status == "forbidden"
    assert "Pro or Plus" in state.error_sentence


def test_a_runner_missing_from_the_account_is_not_found(comfycontrol):
    state = polling.refresh(comfycontrol_runner(comfycontrol, runner_id="no-such-runner"))

    assert state.status == "not_found"


def test_a_self_hosted_runner_is_read_through_comfycontrol(comfycontrol):
    state = polling.refresh(comfycontrol_runner(comfycontrol, kind="self_hosted"))

    assert state.status == "ok"


def test_a_refused_connection_is_unreachable():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    runner = make_runner(make_team(), base_url=f"http://127.0.0.1:{port}")

    assert polling.refresh(runner).status == "unreachable"


def test_a_loopback_runner_is_blocked_unless_the_policy_allows_it(simulator, settings):
    settings.EGRESS_ALLOW_LOOPBACK = False

    state = polling.refresh(make_direct_runner(simulator))

    assert state.status == "blocked"
    assert simulator.fleet.stats()["requests"]["comfyui"] == 0


def test_a_metadata_address_is_always_blocked():
    runner = make_runner(make_team(), base_url="http://169.254.169.254/latest")

    assert polling.refresh(runner).status == "blocked"


def test_hostile_strings_are_cleaned_and_the_fetch_succeeds(simulator):
    state = polling.refresh(make_direct_runner(simulator, "hostile"))

    assert state.status == "ok"
    names = [device["model"] for device in state.stats["devices"]]
    assert all(len(name) <= 200 for name in names)
    assert all("\u202e" not in name for name in names)
