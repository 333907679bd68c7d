from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from runners.fields import encrypted_fields


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored token and header under the first key of FIELD_ENCRYPTION_KEYS. "
        "Put the new key first, keep the old ones after it, run this, then drop the old ones."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        for model in apps.get_app_config("runners").get_models():
            fields = encrypted_fields(model)
            if fields:
                count = self.rotate(model, fields)
                self.stdout.write(f"{model._meta.verbose_name_plural}: {count} re-encrypted")

    def rotate(self, model: Any, fields: list[str]) -> int:
        count = 0
        with transaction.atomic():
            # Saving decrypts with whichever key matches and encrypts under the first one.
            for obj in model.objects.select_for_update().only("pk", *fields).iterator():
                obj.save(update_fields=fields)
                count += 1
        return count
