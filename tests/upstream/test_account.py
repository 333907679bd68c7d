"""A token's account (`GET /v1/user`): its plan, whatever shape ComfyControl gives it."""

import pytest

from runners.upstream import comfycontrol, errors
from runners.upstream.egress import Limits

LIMITS = Limits(connect_timeout=1, read_timeout=1, deadline=2, max_bytes=10_000)


@pytest.mark.parametrize(
    ("body", "plan"),
    [
        ({"id": "u1", "tier": "pro"}, "pro"),
        ({"id": "u1", "plan": "plus"}, "plus"),
        ({"id": "u1"}, ""),
        ({"tier": "pro\u202e\x00x"}, "pro x"),
    ],
)
def test_the_plan_is_read_from_tier_or_plan(httpserver, body, plan):
    httpserver.expect_request("/v1/user").respond_with_json(body)

    account = comfycontrol.fetch_account(httpserver.url_for(""), "cfc_test", LIMITS)

    assert account.plan == plan


def test_a_refused_token_is_unauthorized(httpserver):
    httpserver.expect_request("/v1/user").respond_with_json(
        {"status": 401, "message": "Invalid token"}, status=401
    )

    with pytest.raises(errors.Unauthorized):
        comfycontrol.fetch_account(httpserver.url_for(""), "cfc_test", LIMITS)


def test_an_answer_that_is_not_an_object_is_a_bad_response(httpserver):
    httpserver.expect_request("/v1/user").respond_with_json(["pro"])

    with pytest.raises(errors.BadResponse):
        comfycontrol.fetch_account(httpserver.url_for(""), "cfc_test", LIMITS)
