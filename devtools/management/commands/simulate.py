"""`manage.py simulate`: `python -m simulator` for those used to manage.py (development only)."""

from __future__ import annotations

import argparse
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from simulator.cli import DESCRIPTION, add_arguments, serve


class Command(BaseCommand):
    help = f"{DESCRIPTION} Same as `python -m simulator`."

    def add_arguments(self, parser: CommandParser) -> None:
        add_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            serve(argparse.Namespace(**options), self.stdout)
        except OSError as problem:
            raise CommandError(
                f"cannot listen on {options['host']}:{options['port']}: {problem}"
            ) from None
