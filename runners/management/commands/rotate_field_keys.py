from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from runners.fields import encrypted_fields, is_readable


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored token and header under the first key of FIELD_ENCRYPTION_KEYS. "
        "Put the new key first, keep the old ones after it, run this, then drop the old ones."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        for model in apps.get_app_config("runners").get_models():
            fields = encrypted_fields(model)
            if fields:
                count, unreadable = self.rotate(model, fields)
                name = model._meta.verbose_name_plural
                self.stdout.write(f"{name}: {count} re-encrypted")
                if unreadable:
                    self.stderr.write(
                        f"{name}: {unreadable} no key decrypts; kept as they are, enter them again"
                    )

    def rotate(self, model: Any, fields: list[str]) -> tuple[int, int]:
        """How many rows were re-encrypted, and how many hold a value no key decrypts."""
        count = unreadable = 0
        with transaction.atomic():
            # Saving decrypts with whichever key matches and encrypts under the first one;
            # a value no key decrypts is written back as it was.
            for obj in model.objects.select_for_update().only("pk", *fields).iterator():
                obj.save(update_fields=fields)
                if all(is_readable(obj, name) for name in fields):
                    count += 1
                else:
                    unreadable += 1
        return count, unreadable
