"""Delivering events to a real webhook receiver on loopback: signed, retried, never doubled."""

import hashlib
import hmac
import json
import threading
from collections import Counter
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone
from werkzeug import Request, Response

from runners.alerts import delivery, events, setup
from runners.alerts.rules import Draft
from runners.models import Channel, Delivery, RuleSetting
from runners.polling import collector
from runners.units import DAY, now_ts
from tests.factories import make_direct_runner, make_team

pytestmark = pytest.mark.django_db


class Receiver:
    """Counts what arrives per event id and checks each signature with the channel's secret."""

    def __init__(self, httpserver, statuses=(200,)):
        self.secret = ""
        self.statuses = list(statuses)
        self.arrived: list[dict] = []
        self.bad_signatures = 0
        self.lock = threading.Lock()
        httpserver.expect_request("/hook", method="POST").respond_with_handler(self.handle)
        self.url = httpserver.url_for("/hook")

    def handle(self, request: Request) -> Response:
        body = request.get_data()
        timestamp = request.headers.get("X-Comfyweb-Timestamp", "")
        expected = hmac.new(self.secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
        with self.lock:
            if request.headers.get("X-Comfyweb-Signature") != f"sha256={expected.hexdigest()}":
                self.bad_signatures += 1
            self.arrived.append(json.loads(body))
            status = self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]
        return Response("", status=status)

    def counts(self) -> Counter:
        return Counter(payload["id"] for payload in self.arrived)


def webhook(receiver: Receiver) -> Channel:
    channel, receiver.secret = setup.create_channel(
        make_team(), Channel.Kind.WEBHOOK, "hook", receiver.url
    )
    return channel


def raise_events(channel: Channel, count: int = 1) -> None:
    drafts = [Draft("runner.down", f"Runner {n} is down.", {"n": n}) for n in range(count)]
    events.write(channel.team_id, None, now_ts(), drafts, [channel.pk])


def test_a_webhook_receives_the_event_signed_with_its_id(httpserver):
    receiver = Receiver(httpserver)
    channel = webhook(receiver)
    raise_events(channel)

    assert delivery.deliver_due() == 1

    (payload,) = receiver.arrived
    assert receiver.bad_signatures == 0
    assert payload["type"] == "runner.down"
    assert payload["summary"] == "Runner 0 is down."
    assert payload["team"]["slug"] == channel.team.slug
    assert Delivery.objects.get().state == Delivery.State.SENT


def test_a_receiver_that_answered_500_gets_the_same_event_again_later(httpserver):
    receiver = Receiver(httpserver, statuses=(500, 200))
    channel = webhook(receiver)
    raise_events(channel)

    delivery.deliver_due()
    retrying = Delivery.objects.get()
    assert retrying.state == Delivery.State.RETRYING
    assert retrying.status_code == 500
    assert delivery.deliver_due() == 0  # not before its backoff
    with time_machine.travel(timezone.now() + timedelta(seconds=31)):
        delivery.deliver_due()

    assert list(receiver.counts().values()) == [2]
    assert Delivery.objects.get().state == Delivery.State.SENT
    assert Channel.objects.get().failing_since is None


def test_a_failing_receiver_marks_its_channel_failing(httpserver):
    receiver = Receiver(httpserver, statuses=(503,))
    channel = webhook(receiver)
    raise_events(channel)

    delivery.deliver_due()

    channel.refresh_from_db()
    assert channel.failing_since is not None
    assert channel.last_error == "The receiver answered HTTP 503."


def test_a_delivery_is_given_up_after_a_day_of_failures(httpserver):
    receiver = Receiver(httpserver, statuses=(500,))
    channel = webhook(receiver)
    raise_events(channel)

    with time_machine.travel(timezone.now() + timedelta(days=1, seconds=1)):
        delivery.deliver_due()

    assert Delivery.objects.get().state == Delivery.State.GAVE_UP


def test_a_webhook_to_a_blocked_address_is_given_up_at_once():
    channel, _ = setup.create_channel(
        make_team(), Channel.Kind.WEBHOOK, "metadata", "http://169.254.169.254/hook"
    )
    raise_events(channel)

    delivery.deliver_due()

    given_up = Delivery.objects.get()
    assert given_up.state == Delivery.State.GAVE_UP
    assert "egress policy" in given_up.error


@pytest.mark.parametrize(
    ("kind", "key"), [(Channel.Kind.SLACK, "text"), (Channel.Kind.DISCORD, "content")]
)
def test_slack_and_discord_get_their_own_message_format(httpserver, kind, key):
    receiver = Receiver(httpserver)
    channel, _ = setup.create_channel(make_team(), kind, "chat", receiver.url)
    raise_events(channel)

    delivery.deliver_due()

    assert len(receiver.arrived) == 1
    assert receiver.arrived[0][key].startswith("Runner 0 is down.")


@pytest.mark.django_db(transaction=True)
def test_two_collectors_never_send_one_delivery_twice(httpserver):
    receiver = Receiver(httpserver)
    channel = webhook(receiver)
    raise_events(channel, count=40)
    start = threading.Barrier(2)

    def collector() -> None:
        start.wait()
        try:
            delivery.deliver_due()
        finally:
            connection.close()

    threads = [threading.Thread(target=collector) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(receiver.counts()) == 40
    assert set(receiver.counts().values()) == {1}
    assert set(Delivery.objects.values_list("state", flat=True)) == {Delivery.State.SENT}


def test_a_flapping_runner_reaches_the_receiver_once(watched, httpserver):
    receiver = Receiver(httpserver)
    _, receiver.secret = setup.create_channel(
        watched.runner.team, Channel.Kind.WEBHOOK, "hook", receiver.url
    )
    watched.fetch("ok")
    for _ in range(5):
        watched.fetch("status:500")
        watched.fetch("ok")

    delivery.deliver_due()

    assert [payload["type"] for payload in receiver.arrived] == ["runner.flapping"]


@pytest.mark.django_db(transaction=True)
def test_the_collector_delivers_the_alerts_of_the_runners_it_polls(httpserver, simulator):
    receiver = Receiver(httpserver)
    runner = make_direct_runner(simulator, "status:500")
    _, receiver.secret = setup.create_channel(
        runner.team, Channel.Kind.WEBHOOK, "hook", receiver.url
    )
    RuleSetting.objects.create(team=runner.team, kind="down", enabled=True, minutes=0)

    collector.run(workers=2, stop=threading.Event(), once=True)

    assert [payload["type"] for payload in receiver.arrived] == ["runner.down"]
    assert receiver.bad_signatures == 0


def test_events_older_than_thirty_days_are_forgotten_with_their_deliveries():
    channel, _ = setup.create_channel(make_team(), Channel.Kind.EMAIL, "ops", "ops@example.com")
    events.write(
        channel.team_id, None, now_ts() - 31 * DAY, [Draft("runner.down", "Old.")], [channel.pk]
    )
    raise_events(channel)

    assert events.prune(now_ts() - 30 * DAY) == 1
    assert list(Delivery.objects.values_list("event__summary", flat=True)) == ["Runner 0 is down."]
