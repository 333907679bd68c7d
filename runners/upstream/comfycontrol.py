"""The ComfyControl API: runner stats and runner lists, with a team's Bearer token."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote, urlencode

from runners.text import clean_text
from runners.upstream import errors
from runners.upstream.egress import EgressPolicy, Limits, Response, get
from runners.upstream.fetched import Fetched
from runners.upstream.parse import parse_argv, parse_comfycontrol_stats
from runners.upstream.responses import error_message, json_body, unexpected_status

Kind = Literal["managed", "self_hosted"]
PER_PAGE = 100  # the API's maximum

# The API URL is set by the operator, not by users, so it may live on any address but metadata.
POLICY = EgressPolicy(allow_loopback=True, allow_private=True)

MAX_NAME = 100
MAX_TAG = 40
MAX_ID = 64
MAX_TAGS_TEXT = 300  # Runner.tags holds them joined with ", "

PATHS: dict[Kind, str] = {"managed": "/v1/managed-runner", "self_hosted": "/v1/runner"}

ERRORS_BY_STATUS: dict[int, type[errors.UpstreamError]] = {
    401: errors.Unauthorized,
    403: errors.Forbidden,
    404: errors.NotFound,
    429: errors.RateLimited,
    500: errors.UpstreamFailure,
    503: errors.UpstreamFailure,
}


@dataclass(frozen=True)
class RunnerListing:
    id: str
    name: str
    tags: tuple[str, ...]


@dataclass(frozen=True)
class Account:
    plan: str  # the account's tier as ComfyControl names it ("pro"), or "" when not said


def fetch_account(api_url: str, token: str, limits: Limits) -> Account:
    """The account a token belongs to (`/v1/user`); raises an UpstreamError (401 when refused)."""
    body = json_body(_get(f"{api_url.rstrip('/')}/v1/user", token, limits))
    if not isinstance(body, dict):
        raise errors.BadResponse("ComfyControl sent an account of an unexpected shape.")
    return Account(plan=clean_text(body.get("tier", body.get("plan")), MAX_TAG) or "")


def fetch_stats(api_url: str, token: str, kind: Kind, runner_id: str, limits: Limits) -> Fetched:
    """Live stats of one runner; raises an UpstreamError for every failure."""
    url = f"{api_url.rstrip('/')}{PATHS[kind]}/{quote(runner_id, safe='')}/stats"
    response = _get(url, token, limits)
    body = json_body(response)
    return Fetched(parse_comfycontrol_stats(body), response.latency_ms, parse_argv(body))


def list_page(
    api_url: str, token: str, kind: Kind, page: int, limits: Limits
) -> tuple[list[RunnerListing], int]:
    """One page of the account's runners and the total count; raises an UpstreamError."""
    query = urlencode({"page": page, "per_page": PER_PAGE})
    body = json_body(_get(f"{api_url.rstrip('/')}{PATHS[kind]}?{query}", token, limits))
    if not isinstance(body, dict) or not isinstance(body.get("runners"), list):
        raise errors.BadResponse("ComfyControl sent a runner list of an unexpected shape.")
    total = body.get("total")
    if not isinstance(total, int) or isinstance(total, bool) or total < 0:
        raise errors.BadResponse("ComfyControl sent a runner list without a total.")
    return [_listing(item) for item in body["runners"]], total


def _listing(item: object) -> RunnerListing:
    # Self-hosted runner objects also carry `endpoint` and `headers` with secrets in clear:
    # only the fields below are ever read, so the secrets are never stored or logged.
    runner_id = item.get("id") if isinstance(item, dict) else None
    # An id is used as sent, in URLs and bookmarks: one that cleaning would change is refused.
    if not isinstance(runner_id, str) or clean_text(runner_id, MAX_ID) != runner_id:
        raise errors.BadResponse("ComfyControl sent a runner without a usable id.")
    return RunnerListing(
        id=runner_id,
        name=clean_text(item.get("name"), MAX_NAME) or runner_id,
        tags=_tags(item.get("tags")),
    )


def _tags(value: object) -> tuple[str, ...]:
    """Clean tags without commas (they separate stored tags), as many as fit MAX_TAGS_TEXT."""
    tags: list[str] = []
    length = 0
    for tag in value if isinstance(value, list) else []:
        cleaned = clean_text(tag.replace(",", " ") if isinstance(tag, str) else None, MAX_TAG)
        if cleaned is None:
            continue
        length += len(cleaned) + (2 if tags else 0)
        if length > MAX_TAGS_TEXT:
            break
        tags.append(cleaned)
    return tuple(tags)


def _get(url: str, token: str, limits: Limits) -> Response:
    response = get(url, headers={"Authorization": f"Bearer {token}"}, policy=POLICY, limits=limits)
    if response.status == 200:
        return response
    error = ERRORS_BY_STATUS.get(response.status)
    if error is None:
        raise unexpected_status(response, "ComfyControl")
    raise error(detail=error_message(response), status=response.status)
