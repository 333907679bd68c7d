"""An address the egress policy refuses is refused in words that name the setting that allows it."""

import ipaddress

import pytest

from runners.upstream import errors
from runners.upstream.egress import Limits, get, vet
from runners.upstream.policy import EgressPolicy

LIMITS = Limits(connect_timeout=1, read_timeout=1, deadline=2, max_bytes=1000)


@pytest.mark.parametrize(
    ("policy", "address", "words"),
    [
        (EgressPolicy(), "127.0.0.1", "EGRESS_ALLOW_LOOPBACK=1"),
        (EgressPolicy(allow_private=False), "10.0.0.5", "EGRESS_ALLOW_PRIVATE=1"),
        (
            EgressPolicy(blocked_networks=(ipaddress.ip_network("10.20.0.0/16"),)),
            "10.20.0.5",
            "EGRESS_BLOCKED_NETWORKS",
        ),
        (EgressPolicy(allow_loopback=True), "169.254.169.254", "always blocked"),
    ],
)
def test_the_refusal_names_the_setting(policy, address, words):
    assert words in policy.refusal(ipaddress.ip_address(address))


def test_a_fetch_refused_by_the_policy_says_which_setting_allows_it():
    with pytest.raises(errors.Blocked, match="EGRESS_ALLOW_LOOPBACK=1"):
        get("http://127.0.0.1:8188/", policy=EgressPolicy(), limits=LIMITS)


def test_vetting_sends_nothing_and_refuses_as_a_fetch_would(httpserver):
    with pytest.raises(errors.Blocked, match="EGRESS_ALLOW_LOOPBACK=1"):
        vet(httpserver.url_for("/"), EgressPolicy())

    vet(httpserver.url_for("/"), EgressPolicy(allow_loopback=True))
    assert httpserver.log == []
