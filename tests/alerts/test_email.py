"""Email alerts go through Django's SMTP backend to a real SMTP server on loopback."""

import socket

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message

from runners.alerts import delivery, events, setup
from runners.alerts.rules import Draft
from runners.models import Channel, Delivery
from runners.units import now_ts
from tests.factories import make_team

pytestmark = pytest.mark.django_db


class Inbox(Message):
    def __init__(self) -> None:
        super().__init__()
        self.messages = []

    def handle_message(self, message) -> None:
        self.messages.append(message)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def inbox(settings):
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.DEFAULT_FROM_EMAIL = "comfyweb@example.com"
    yield handler
    controller.stop()


def email_channel() -> Channel:
    channel, _ = setup.create_channel(make_team(), Channel.Kind.EMAIL, "ops", "ops@example.com")
    return channel


def test_an_email_channel_receives_the_alert(inbox):
    channel = email_channel()
    events.write(
        channel.team_id, None, now_ts(), [Draft("runner.down", "GPU box is down.")], [channel.pk]
    )

    delivery.deliver_due()

    (message,) = inbox.messages
    assert message["To"] == "ops@example.com"
    assert message["Subject"] == "[comfyweb] GPU box is down."
    assert "Event id: " in message.get_payload()
    assert Delivery.objects.get().state == Delivery.State.SENT


def test_a_mail_server_that_is_down_leaves_the_delivery_to_retry(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    channel = email_channel()
    events.write(channel.team_id, None, now_ts(), [Draft("runner.down", "Down.")], [channel.pk])

    delivery.deliver_due()

    retrying = Delivery.objects.get()
    assert retrying.state == Delivery.State.RETRYING
    assert retrying.error == "The mail server did not take the message (ConnectionRefusedError)."
