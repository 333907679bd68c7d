from typing import Any

from django.core.management.base import BaseCommand

from runners.crypto import new_key


class Command(BaseCommand):
    # manage.py answers this command itself before settings load, so that it works with no key.
    help = "Print a new key for FIELD_ENCRYPTION_KEYS."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(new_key())
