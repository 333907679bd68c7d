"""The alerts page: owners add, test and delete channels, set rules, read the delivery log."""

import pytest

from runners.models import Channel, Delivery, Membership, RuleSetting
from runners.polling import background
from tests.factories import make_member, make_runner, make_team

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(client, team):
    client.force_login(make_member(team, role=Membership.Role.OWNER))
    return client


def add(client, team, **fields):
    data = {"kind": "webhook", "label": "ops hook", "target": "https://hooks.example.com/T0/s3cr3t"}
    return client.post(f"/teams/{team.slug}/alerts/channels/", {**data, **fields})


def test_an_owner_adds_a_webhook_and_sees_its_signing_secret_once(owner, team):
    response = add(owner, team)

    page = response.content.decode()
    channel = Channel.objects.get()
    assert channel.signing_secret in page
    later = owner.get(f"/teams/{team.slug}/alerts/").content.decode()
    assert channel.signing_secret not in later
    assert "s3cr3t" not in later and "https://hooks.example.com/…" in later


def test_a_bad_webhook_url_gets_an_error_on_the_field(owner, team):
    response = add(owner, team, target="ftp://example.com/hook")

    assert response.status_code == 400
    assert "Enter a valid http:// or https:// URL." in response.content.decode()
    assert not Channel.objects.exists()


def test_a_webhook_to_a_blocked_address_is_refused_on_the_field(owner, team):
    response = add(owner, team, target="http://169.254.169.254/latest")

    assert response.status_code == 400
    assert (
        "This address is blocked by the deployment&#x27;s egress policy."
        in response.content.decode()
    )


def test_an_email_channel_needs_an_address(owner, team):
    response = add(owner, team, kind="email", target="not an address")

    assert "Enter an email address." in response.content.decode()


def test_send_test_reports_the_receivers_answer(owner, team, httpserver):
    httpserver.expect_request("/hook", method="POST").respond_with_data("", status=500)
    add(owner, team, target=httpserver.url_for("/hook"))
    channel = Channel.objects.get()

    response = owner.post(f"/teams/{team.slug}/alerts/channels/{channel.pk}/test/", follow=True)

    page = response.content.decode()
    assert "did not reach “ops hook”: The receiver answered HTTP 500." in page
    assert "Failing since" in page
    test = Delivery.objects.get()
    assert test.event.kind == "test"
    assert test.state == Delivery.State.GAVE_UP  # the owner saw it fail: no retries


def test_the_delivery_log_shows_each_attempt_without_secrets(owner, team, httpserver):
    httpserver.expect_request("/hook", method="POST").respond_with_data("", status=204)
    add(owner, team, target=httpserver.url_for("/hook"))
    channel = Channel.objects.get()
    owner.post(f"/teams/{team.slug}/alerts/channels/{channel.pk}/test/")

    page = owner.get(f"/teams/{team.slug}/alerts/").content.decode()

    assert "A test alert from comfyweb" in page and "HTTP 204" in page and "Sent" in page
    assert channel.signing_secret not in page


def test_an_owner_deletes_a_channel(owner, team):
    add(owner, team)
    channel = Channel.objects.get()

    owner.post(f"/teams/{team.slug}/alerts/channels/{channel.pk}/delete/")

    assert not Channel.objects.exists()


def test_an_owner_sets_the_teams_rules(owner, team):
    owner.post(
        f"/teams/{team.slug}/alerts/rules/",
        {"down_enabled": "on", "down_minutes": "7", "vram_low_minutes": "5", "vram_low_gib": "2"},
    )

    assert RuleSetting.objects.get(kind="down").minutes == 7
    assert RuleSetting.objects.get(kind="vram_low").enabled is False
    assert RuleSetting.objects.get(kind="software").enabled is False


def test_an_owner_turns_a_rule_off_for_one_runner(owner, team):
    runner = make_runner(team, slug="noisy")

    owner.post(
        f"/teams/{team.slug}/alerts/runner-rule/",
        {"runner": "noisy", "kind": "down", "setting": "off"},
    )

    assert RuleSetting.objects.get(runner=runner, kind="down").enabled is False


@pytest.mark.parametrize("role", [Membership.Role.VIEWER, Membership.Role.MEMBER])
def test_members_and_viewers_cannot_add_channels(client, team, role):
    client.force_login(make_member(team, role=role))

    assert add(client, team).status_code == 403
    assert not Channel.objects.exists()


def test_another_teams_owner_gets_404(client, team):
    client.force_login(make_member(make_team(), role=Membership.Role.OWNER))

    assert client.get(f"/teams/{team.slug}/alerts/").status_code == 404


def test_the_dashboard_tells_owners_that_no_collector_delivers(owner, team):
    add(owner, team)

    page = owner.get("/").content.decode()

    assert "Alerts are not being delivered: no collector is running" in page


def test_with_a_collector_the_dashboard_says_nothing_of_delivery(owner, team):
    background.beat()
    add(owner, team)

    assert "Alerts are not being delivered" not in owner.get("/").content.decode()
