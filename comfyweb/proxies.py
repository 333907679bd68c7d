"""How login throttling finds the client's address behind reverse proxies (django-axes + ipware)."""

from __future__ import annotations

from typing import Any

FORWARDED_FOR = "HTTP_X_FORWARDED_FOR"


def axes_client_address(proxies: int) -> dict[str, Any]:
    """The django-axes settings for `proxies` reverse proxies in front of comfyweb (0: none).

    Without proxies only REMOTE_ADDR is read, so no client can choose its address by sending
    X-Forwarded-For.
    """
    if proxies <= 0:
        return {
            "AXES_IPWARE_PROXY_COUNT": None,
            "AXES_IPWARE_META_PRECEDENCE_ORDER": ["REMOTE_ADDR"],
        }
    # ipware counts the proxies listed in X-Forwarded-For; the nearest one is REMOTE_ADDR instead.
    # Its strict mode (the default) refuses a longer chain, so a forged prefix is never read.
    return {
        "AXES_IPWARE_PROXY_COUNT": proxies - 1,
        "AXES_IPWARE_META_PRECEDENCE_ORDER": [FORWARDED_FOR, "REMOTE_ADDR"],
    }
