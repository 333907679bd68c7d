from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, register

from runners import crypto
from runners.upstream import policy


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
def check_egress_blocked_networks(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    return [
        Error(problem, hint="Write each entry as an address or a CIDR network.", id="runners.E002")
        for problem in policy.network_problems(settings.EGRESS_BLOCKED_NETWORKS)
    ]
