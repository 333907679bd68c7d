from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, register

from runners import crypto


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
