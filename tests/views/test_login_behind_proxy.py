import pytest

from comfyweb.proxies import axes_client_address
from tests.factories import make_user

pytestmark = pytest.mark.django_db

CLIENT_A = "198.51.100.1"
CLIENT_B = "198.51.100.2"
PROXY = "10.0.0.2"


@pytest.fixture
def one_proxy(settings):
    """Settings as AXES_PROXY_COUNT=1 makes them."""
    for name, value in axes_client_address(1).items():
        setattr(settings, name, value)


def attempt(client, password, forwarded_for):
    return client.post(
        "/login/",
        {"username": "alice", "password": password},
        HTTP_X_FORWARDED_FOR=forwarded_for,
        REMOTE_ADDR=PROXY,
    )


def test_failures_from_one_client_do_not_lock_out_another(client, settings, one_proxy):
    make_user("alice")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "wrong", CLIENT_A)

    assert attempt(client, "pw-alice", CLIENT_A).status_code == 429
    assert attempt(client, "pw-alice", CLIENT_B).status_code == 302


def test_a_forged_forwarded_address_does_not_lock_out_the_client_it_names(
    client, settings, one_proxy
):
    make_user("alice")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "wrong", f"{CLIENT_B}, {CLIENT_A}")

    assert attempt(client, "pw-alice", CLIENT_B).status_code == 302


def test_without_a_proxy_the_forwarded_header_is_ignored(client, settings):
    make_user("alice")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "wrong", CLIENT_A)

    assert attempt(client, "pw-alice", CLIENT_B).status_code == 429
