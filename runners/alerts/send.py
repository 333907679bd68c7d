"""Sending one event to one channel: webhooks through the egress policy, email through
Django's email backend. Every failure comes back as an Outcome, never an exception."""

from __future__ import annotations

import json
import smtplib
import time
from dataclasses import dataclass, replace

from django.conf import settings
from django.core.mail import send_mail

from runners.alerts import messages
from runners.crypto import DecryptionError
from runners.models import Channel, Event
from runners.upstream import egress, errors
from runners.upstream.egress import EgressPolicy, Limits

RECEIVER_MAX_BYTES = 64 * 1024
UNREADABLE = "The channel's address cannot be decrypted with this deployment's keys; add it again."


@dataclass(frozen=True)
class Outcome:
    ok: bool
    status_code: int | None = None
    error: str = ""
    permanent: bool = False  # retrying cannot help (an address the egress policy blocks)


def send(channel: Channel, event: Event) -> Outcome:
    """Deliver the event to the channel once; the outcome names no secret."""
    try:
        if channel.kind == Channel.Kind.EMAIL:
            return _email(channel.target, event)
        return _post(channel, event)
    except DecryptionError:
        return Outcome(False, error=UNREADABLE, permanent=True)


def _post(channel: Channel, event: Event) -> Outcome:
    body, headers = _request(channel, event)
    limits = replace(Limits.from_settings(), max_bytes=RECEIVER_MAX_BYTES)
    policy = EgressPolicy.from_settings()
    try:
        response = egress.post(channel.target, body, headers=headers, policy=policy, limits=limits)
    except errors.UpstreamError as error:
        return Outcome(False, error=error.sentence, permanent=isinstance(error, errors.Blocked))
    if 200 <= response.status < 300:
        return Outcome(True, response.status)
    return Outcome(False, response.status, f"The receiver answered HTTP {response.status}.")


def _request(channel: Channel, event: Event) -> tuple[bytes, dict[str, str]]:
    headers = {"Content-Type": "application/json", messages.EVENT_HEADER: str(event.pk)}
    if channel.kind == Channel.Kind.SLACK:
        return json.dumps(messages.slack(event)).encode(), headers
    if channel.kind == Channel.Kind.DISCORD:
        return json.dumps(messages.discord(event)).encode(), headers
    body = messages.body(event)
    timestamp = int(time.time())
    headers[messages.TIMESTAMP_HEADER] = str(timestamp)
    headers[messages.SIGNATURE_HEADER] = messages.signature(channel.signing_secret, timestamp, body)
    return body, headers


def _email(address: str, event: Event) -> Outcome:
    subject, text = messages.email(event)
    try:
        send_mail(subject, text, settings.DEFAULT_FROM_EMAIL, [address])
    except (smtplib.SMTPException, OSError) as error:
        # The exception's text can quote the server's dialogue; its kind is enough to act on.
        return Outcome(
            False, error=f"The mail server did not take the message ({type(error).__name__})."
        )
    return Outcome(True)
