import axes.helpers
import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from comfyweb.proxies import axes_client_address
from runners.checks import (
    check_egress_blocked_networks,
    check_field_encryption_keys,
    check_login_throttling_address,
)


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


def use_proxies(settings, count: int) -> None:
    for name, value in axes_client_address(count).items():
        setattr(settings, name, value)


def test_direct_clients_need_no_ipware_settings(settings):
    use_proxies(settings, 0)

    assert check_login_throttling_address() == []


@pytest.mark.parametrize("count", [1, 2, 3])
def test_a_proxy_count_the_installed_axes_honours_passes(settings, count):
    use_proxies(settings, count)

    assert check_login_throttling_address() == []


def test_a_proxy_count_without_ipware_stops_start_up(settings, monkeypatch):
    use_proxies(settings, 1)
    monkeypatch.setattr(axes.helpers, "IPWARE_INSTALLED", False)

    errors = check_login_throttling_address()

    assert [e.id for e in errors] == ["runners.E002"]
    assert "django-ipware" in errors[0].msg


def test_reading_the_forwarded_header_without_a_count_stops_start_up(settings):
    settings.AXES_IPWARE_PROXY_COUNT = None
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]

    assert [e.id for e in check_login_throttling_address()] == ["runners.E002"]


def test_a_count_that_never_reads_the_forwarded_header_stops_start_up(settings):
    use_proxies(settings, 1)
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]

    assert [e.id for e in check_login_throttling_address()] == ["runners.E002"]


def test_malformed_blocked_network_is_reported_by_position(settings):
    settings.EGRESS_BLOCKED_NETWORKS = ["10.20.0.0/16", "10.300.0.0/16"]

    errors = check_egress_blocked_networks()

    assert [(e.id, e.msg) for e in errors] == [
        (
            "runners.E003",
            "Entry 2 of EGRESS_BLOCKED_NETWORKS, '10.300.0.0/16', is not an IP network.",
        )
    ]


def test_malformed_blocked_network_fails_manage_py_check(settings):
    settings.EGRESS_BLOCKED_NETWORKS = ["not-a-network"]

    with pytest.raises(SystemCheckError, match=r"runners\.E003"):
        call_command("check")


def test_blocked_networks_as_addresses_or_cidrs_pass(settings):
    settings.EGRESS_BLOCKED_NETWORKS = ["203.0.113.0/24", "192.168.1.20", "2001:db8::/32"]

    assert check_egress_blocked_networks() == []
