"""`manage.py prune`: delete history past its retention (the collector runs it every hour)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from runners.history import retention


class Command(BaseCommand):
    help = (
        "Roll up finished five-minute buckets, then delete raw snapshots older than "
        "RAW_RETENTION_DAYS and rollups and logs older than ROLLUP_RETENTION_DAYS, in batches."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        deleted = retention.prune(int(timezone.now().timestamp()))
        counts = ", ".join(f"{name} {count:,}" for name, count in deleted.items())
        self.stdout.write(f"Deleted: {counts} in {time.monotonic() - started:.1f} s.")
