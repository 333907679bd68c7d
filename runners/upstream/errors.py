"""The failure taxonomy: every way a fetch can fail, as one exception family.

Each error carries the runner ``code`` it leads to (a ``Status``, stored on RunnerState and
shown as a badge) and a plain ``sentence`` a team member can act on: the status's own sentence
unless the source knows more. ``detail`` holds extra text for admins only, such as the message
in a ComfyControl error body; it never holds URLs, headers or tokens.
"""

from __future__ import annotations

from datetime import datetime

from runners.status import Status


class UpstreamError(Exception):
    code: Status = Status.UPSTREAM_ERROR

    def __init__(
        self, sentence: str | None = None, *, detail: str = "", status: int | None = None
    ) -> None:
        self.sentence = sentence or self.default_sentence()
        self.detail = detail[:500]
        self.status = status
        super().__init__(self.sentence)

    @classmethod
    def default_sentence(cls) -> str:
        return cls.code.sentence


class Unauthorized(UpstreamError):
    code = Status.UNAUTHORIZED


class Forbidden(UpstreamError):
    code = Status.FORBIDDEN


class NotFound(UpstreamError):
    code = Status.NOT_FOUND


class RateLimited(UpstreamError):
    code = Status.RATE_LIMITED

    def __init__(
        self,
        sentence: str | None = None,
        *,
        detail: str = "",
        status: int | None = 429,
        retry_at: datetime | None = None,
    ) -> None:
        super().__init__(sentence, detail=detail, status=status)
        self.retry_at = retry_at


class UpstreamFailure(UpstreamError):
    @classmethod
    def default_sentence(cls) -> str:
        return "ComfyControl could not get stats from the runner; it may be offline."


class Timeout(UpstreamError):
    code = Status.TIMEOUT


class Unreachable(UpstreamError):
    code = Status.UNREACHABLE


class BadResponse(UpstreamError):
    code = Status.BAD_RESPONSE


class Blocked(UpstreamError):
    code = Status.BLOCKED


class Undecryptable(UpstreamError):
    """The runner's stored token or headers cannot be decrypted, so nothing was sent."""

    code = Status.UNDECRYPTABLE
