"""The failure taxonomy: every way a fetch can fail, as one exception family.

Each error carries a machine ``code`` (stored on RunnerState and shown as a badge) and a plain
``sentence`` a team member can act on. ``detail`` holds extra text for admins only, such as the
message in a ComfyControl error body; it never holds URLs, headers or tokens.
"""

from __future__ import annotations

from datetime import datetime


class UpstreamError(Exception):
    code = "upstream_error"
    sentence = "The runner could not be reached."

    def __init__(
        self, sentence: str | None = None, *, detail: str = "", status: int | None = None
    ) -> None:
        if sentence:
            self.sentence = sentence
        self.detail = detail[:500]
        self.status = status
        super().__init__(self.sentence)


class Unauthorized(UpstreamError):
    code = "unauthorized"
    sentence = "ComfyControl rejected the team's API token: check that it is valid and not expired."


class Forbidden(UpstreamError):
    code = "forbidden"
    sentence = "The team's ComfyControl plan lacks access to managed runners (Pro or Plus needed)."


class NotFound(UpstreamError):
    code = "not_found"
    sentence = "The runner was not found, or is not available to the team's plan."


class RateLimited(UpstreamError):
    code = "rate_limited"
    sentence = "ComfyControl is rate limiting requests; the next try waits for the pause to end."

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
    code = "upstream_error"
    sentence = "ComfyControl could not get stats from the runner; it may be offline."


class Timeout(UpstreamError):
    code = "timeout"
    sentence = "The runner did not answer in time."


class Unreachable(UpstreamError):
    code = "unreachable"
    sentence = (
        "The runner could not be reached: the connection was refused or the name did not resolve."
    )


class BadResponse(UpstreamError):
    code = "bad_response"
    sentence = "The runner answered with something that is not valid stats."


class Blocked(UpstreamError):
    code = "blocked"
    sentence = "The runner's address is blocked by this deployment's egress policy."


ERRORS: tuple[type[UpstreamError], ...] = (
    Unauthorized,
    Forbidden,
    NotFound,
    RateLimited,
    UpstreamFailure,
    Timeout,
    Unreachable,
    BadResponse,
    Blocked,
)


# By code, sentences that name nothing about the runner, such as its host: for share pages.
# UpstreamError's own sentence for its code: ComfyControl's failure is only one of its causes.
PLAIN_SENTENCES = {kind.code: kind.sentence for kind in ERRORS} | {
    UpstreamError.code: UpstreamError.sentence
}
