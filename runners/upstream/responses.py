"""Turning an HTTP answer into JSON or into the failure it stands for.

A runner's JSON is decoded only if every page and the database can hold what it decodes to:
no NaN or infinity (SQLite's JSON_VALID and PostgreSQL's jsonb refuse them), at most
``MAX_DEPTH`` levels (deeper documents raise RecursionError wherever they are read back), and at
most ``MAX_CONTAINERS`` objects and lists and ``MAX_VALUES`` values, so that a body of many tiny
objects cannot take a worker's memory many times over the body cap.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from runners.upstream import errors
from runners.upstream.egress import Response

MAX_DEPTH = 64
MAX_CONTAINERS = 20_000
MAX_VALUES = 50_000

UNREADABLE = "The runner sent an answer comfyweb could not read."

_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")


def json_body(response: Response) -> Any:
    """The decoded JSON body; raises BadResponse when it is not JSON a page can hold."""
    try:
        return decode(response.body)
    except ValueError as error:
        raise errors.BadResponse(
            UNREADABLE, detail=_reason(error), status=response.status
        ) from None


def decode(body: bytes) -> Any:
    """The JSON in ``body``; raises ValueError for anything ``json_body`` refuses."""
    _check_structure(body)
    try:
        return json.loads(body, parse_constant=_refuse_constant, parse_float=_finite_float)
    except (UnicodeDecodeError, RecursionError) as error:
        raise ValueError("The body is not JSON.") from error


def error_message(response: Response) -> str:
    """The `message` of a ComfyControl error body, or "" when the body has none."""
    try:
        body = decode(response.body)
    except ValueError:
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


def _check_structure(body: bytes) -> None:
    """Raise ValueError when the body nests too deep or holds too many values.

    Counted on the brackets and commas outside strings, in C-speed passes: no recursion, and
    nothing is built from a body that is refused.
    """
    outside_strings = _STRING.sub(b"", body)
    if outside_strings.count(b",") + 1 > MAX_VALUES:
        raise ValueError(f"more than {MAX_VALUES} values")
    if outside_strings.count(b"[") + outside_strings.count(b"{") > MAX_CONTAINERS:
        raise ValueError(f"more than {MAX_CONTAINERS} objects and lists")
    brackets = outside_strings.translate(None, _NOT_BRACKET)
    # Each pass removes the innermost level; what is left after MAX_DEPTH passes is deeper.
    for _ in range(MAX_DEPTH):
        if not brackets:
            return
        brackets = brackets.replace(b"[]", b"").replace(b"{}", b"")
    if brackets:
        raise ValueError(f"nested deeper than {MAX_DEPTH} levels")


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number JSON allows")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError("a number too large for a float")
    return value


def _reason(error: ValueError) -> str:
    # The integer-size error would quote Python's limit setting; say what the body held instead.
    if "integer string conversion" in str(error) or "Exceeds the limit" in str(error):
        return "an integer with too many digits"
    return str(error)[:200]
