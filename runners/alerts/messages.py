"""What each kind of channel receives for an event (docs/alerts.md documents the webhook body)."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.urls import reverse

from runners.models import Event

SIGNATURE_HEADER = "X-Comfyweb-Signature"
TIMESTAMP_HEADER = "X-Comfyweb-Timestamp"
EVENT_HEADER = "X-Comfyweb-Event"
DISCORD_MAX_CHARS = 2000


def payload(event: Event) -> dict[str, Any]:
    """The generic webhook's JSON body."""
    runner = event.runner
    return {
        "id": str(event.pk),
        "type": event.kind,
        "ts": event.ts,
        "time": datetime.fromtimestamp(event.ts, tz=UTC).isoformat().replace("+00:00", "Z"),
        "team": {"slug": event.team.slug, "name": event.team.name},
        "runner": None if runner is None else {"slug": runner.slug, "name": runner.name},
        "summary": event.summary,
        "url": link(event),
        "details": event.details,
    }


def body(event: Event) -> bytes:
    return json.dumps(payload(event), separators=(",", ":"), sort_keys=True).encode()


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """HMAC-SHA256 of "<timestamp>.<body>" with the channel's signing secret, as sent."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def text(event: Event) -> str:
    """The event in one line, with a link to the runner when SITE_URL is set."""
    url = link(event)
    return f"{event.summary} {url}" if url else event.summary


def slack(event: Event) -> dict[str, Any]:
    return {"text": text(event)}


def discord(event: Event) -> dict[str, Any]:
    return {"content": text(event)[:DISCORD_MAX_CHARS], "allowed_mentions": {"parse": []}}


def email(event: Event) -> tuple[str, str]:
    """Subject and plain-text body."""
    lines = [event.summary, "", f"Event id: {event.pk}", f"Type: {event.kind}"]
    if url := link(event):
        lines.append(f"Runner: {url}")
    return f"[comfyweb] {event.summary}"[:200], "\n".join(lines) + "\n"


def link(event: Event) -> str:
    """The runner's page on this deployment, or "" without SITE_URL or a runner."""
    if not settings.SITE_URL or event.runner is None:
        return ""
    path = reverse("runner", args=[event.team.slug, event.runner.slug])
    return settings.SITE_URL.rstrip("/") + path
