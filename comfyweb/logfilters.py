"""Logging filters: the one place log records lose what must never be written."""

from __future__ import annotations

import logging
import re

# Share links (/s/<token>) and invite links (/invite/<token>) carry their secret in the path.
SECRET_PATH = re.compile(r"/(s|invite)/[^/\s?#\"']+")


def redact_share_tokens(text: str) -> str:
    """`text` with the token of every share and invite path (`/s/<token>/…`) replaced."""
    return SECRET_PATH.sub(r"/\1/[token]", text)


class RedactShareTokens(logging.Filter):
    """Rewrites a record's message without share tokens; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_share_tokens(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True
