"""Turning an HTTP answer into JSON or into the failure it stands for."""

from __future__ import annotations

import json
from typing import Any

from runners.upstream import errors
from runners.upstream.egress import Response


def json_body(response: Response) -> Any:
    """The decoded JSON body; raises BadResponse when it is not JSON."""
    try:
        return json.loads(response.body)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise errors.BadResponse(detail="The body is not JSON.", status=response.status) from None


def error_message(response: Response) -> str:
    """The `message` of a ComfyControl error body, or "" when the body has none."""
    try:
        body = json.loads(response.body)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return ""
    message = body.get("message") if isinstance(body, dict) else None
    return message[:300] if isinstance(message, str) else ""


def unexpected_status(response: Response, what: str) -> errors.UpstreamError:
    """The failure for a status the caller did not expect; `what` names the server."""
    status = response.status
    if 300 <= status < 400:
        return errors.BadResponse(
            f"{what} answered with a redirect, which comfyweb does not follow: "
            "use the final address.",
            status=status,
        )
    if status >= 500:
        return errors.UpstreamFailure(
            f"{what} answered with an error (HTTP {status}).", status=status
        )
    return errors.BadResponse(f"{what} answered HTTP {status}.", status=status)
