import pytest

from tests.factories import make_user

pytestmark = pytest.mark.django_db


def attempt(client, password):
    return client.post("/login/", {"username": "alice", "password": password})


def test_logging_in_leads_to_the_dashboard(client):
    make_user("alice")

    response = attempt(client, "pw-alice")

    assert response.status_code == 302
    assert response["Location"] == "/"


def test_a_wrong_password_is_a_form_error(client):
    make_user("alice")

    response = attempt(client, "wrong")

    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


def test_repeated_failures_lock_the_login_even_with_the_right_password(client, settings):
    make_user("alice")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "wrong")

    response = attempt(client, "pw-alice")

    assert response.status_code == 429
    assert "Too many failed logins" in response.content.decode()


def test_logging_out_needs_a_post(client):
    client.force_login(make_user("alice"))

    assert client.get("/logout/").status_code == 405
    assert client.post("/logout/").status_code == 302


@pytest.mark.parametrize(("hours", "shown"), [(0.25, "15 min"), (2, "2 h")])
def test_the_lockout_page_says_how_long_it_lasts(client, settings, hours, shown):
    settings.AXES_COOLOFF_TIME = hours
    make_user("alice")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "wrong")

    page = attempt(client, "pw-alice").content.decode()

    assert f"locked for {shown}" in page
