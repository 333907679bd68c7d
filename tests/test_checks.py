import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from runners.checks import check_egress_blocked_networks, check_field_encryption_keys


def test_missing_encryption_keys_stop_start_up(settings):
    settings.FIELD_ENCRYPTION_KEYS = []

    errors = check_field_encryption_keys()

    assert [e.id for e in errors] == ["runners.E001"]


def test_malformed_encryption_key_is_reported_by_position(settings):
    settings.FIELD_ENCRYPTION_KEYS = [settings.FIELD_ENCRYPTION_KEYS[0], "not-a-key"]

    errors = check_field_encryption_keys()

    assert [e.msg for e in errors] == ["Key 2 of FIELD_ENCRYPTION_KEYS is not a valid Fernet key."]


def test_valid_keys_pass(settings):
    assert check_field_encryption_keys() == []


def test_malformed_blocked_network_is_reported_by_position(settings):
    settings.EGRESS_BLOCKED_NETWORKS = ["10.20.0.0/16", "10.300.0.0/16"]

    errors = check_egress_blocked_networks()

    assert [(e.id, e.msg) for e in errors] == [
        (
            "runners.E002",
            "Entry 2 of EGRESS_BLOCKED_NETWORKS, '10.300.0.0/16', is not an IP network.",
        )
    ]


def test_malformed_blocked_network_fails_manage_py_check(settings):
    settings.EGRESS_BLOCKED_NETWORKS = ["not-a-network"]

    with pytest.raises(SystemCheckError, match=r"runners\.E002"):
        call_command("check")


def test_blocked_networks_as_addresses_or_cidrs_pass(settings):
    settings.EGRESS_BLOCKED_NETWORKS = ["203.0.113.0/24", "192.168.1.20", "2001:db8::/32"]

    assert check_egress_blocked_networks() == []
