from typing import Any

import axes.helpers
from django.conf import settings
from django.core.checks import Error, Tags, register
from django.test import RequestFactory

from comfyweb.proxies import FORWARDED_FOR
from runners import crypto
from runners.upstream import policy

PROBE_CLIENT = "198.51.100.7"
PROBE_FORGED = "203.0.113.66"
PROBE_PROXY = "192.0.2.1"


@register(Tags.security)
def check_field_encryption_keys(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    return [
        Error(
            problem,
            hint="Generate one with `python manage.py generate_field_key`.",
            id="runners.E001",
        )
        for problem in crypto.key_problems(settings.FIELD_ENCRYPTION_KEYS)
    ]


@register(Tags.security)
def check_login_throttling_address(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """An error when a proxy count is set that django-axes cannot honour."""
    problem = _proxy_problem()
    if problem is None:
        return []
    hint = "Install django-axes[ipware] and set AXES_PROXY_COUNT to the number of proxies."
    return [Error(problem, hint=hint, id="runners.E002")]


def _proxy_problem() -> str | None:
    count = settings.AXES_IPWARE_PROXY_COUNT
    forwarded = FORWARDED_FOR in settings.AXES_IPWARE_META_PRECEDENCE_ORDER
    if count is None and not forwarded:
        return None
    if not axes.helpers.IPWARE_INSTALLED:
        return "A proxy count is set but django-ipware is not installed, so it is ignored."
    if count is None:
        return "X-Forwarded-For is read without a proxy count, so any client picks its address."
    if not forwarded:
        return "A proxy count is set but X-Forwarded-For is not read, so it is ignored."
    return _probe_problem(count)


def _probe_problem(count: int) -> str | None:
    chain = [PROBE_CLIENT] + [PROBE_PROXY] * count
    if _client_address(chain) != PROBE_CLIENT:
        return "Login throttling cannot read the client address from X-Forwarded-For."
    if _client_address([PROBE_FORGED, *chain]) == PROBE_FORGED:
        return "Login throttling reads a client-supplied X-Forwarded-For entry."
    return None


def _client_address(chain: list[str]) -> str | None:
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR=", ".join(chain))
    request.META["REMOTE_ADDR"] = PROBE_PROXY
    return axes.helpers.get_client_ip_address(request)


@register(Tags.security)
def check_egress_blocked_networks(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    return [
        Error(problem, hint="Write each entry as an address or a CIDR network.", id="runners.E003")
        for problem in policy.network_problems(settings.EGRESS_BLOCKED_NETWORKS)
    ]
