"""Logging filters: the one place log records lose what must never be written."""

from __future__ import annotations

import logging
import re

SHARE_PATH = re.compile(r"/s/[^/\s?#\"']+")
REDACTED_SHARE_PATH = "/s/[token]"


def redact_share_tokens(text: str) -> str:
    """`text` with the token of every share path (`/s/<token>/…`) replaced."""
    return SHARE_PATH.sub(REDACTED_SHARE_PATH, text)


class RedactShareTokens(logging.Filter):
    """Rewrites a record's message without share tokens; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_share_tokens(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True
