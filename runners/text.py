"""Cleaning text that came from outside: runners, ComfyControl, uploaded files.

Such text is untrusted: control characters, zero-width and bidi overrides garble or spoof it
on a page, lone surrogates cannot be encoded, and PostgreSQL's jsonb rejects NUL.
"""

from __future__ import annotations

import re

MAX_TEXT = 200

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]+")
_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_text(value: object, max_length: int = MAX_TEXT) -> str | None:
    """Return ``value`` as clean one-line text of at most ``max_length`` characters, or None.

    None when ``value`` is not a string or nothing printable is left of it.
    """
    if not isinstance(value, str):
        return None
    # Cut long input first so cleaning never scans megabytes; cleaning only shortens.
    text = _CONTROL.sub(" ", value[: max_length * 4])
    text = " ".join(_SURROGATE.sub("\ufffd", text).split())
    return truncate(text, max_length) or None


def truncate(text: str, max_length: int = MAX_TEXT) -> str:
    """``text`` cut to ``max_length`` characters, an ellipsis marking the cut."""
    return text if len(text) <= max_length else text[: max_length - 1] + "…"
