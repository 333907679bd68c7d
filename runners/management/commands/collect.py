"""`manage.py collect`: poll due runners until stopped, so history builds up unwatched."""

from __future__ import annotations

import os
import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from runners.polling import collector

# Pages come first on a busy host: a collector short of CPU fetches a little late, and pages
# say how old their data is, but a page kept waiting is simply slow.
NICENESS = 10


class Command(BaseCommand):
    help = (
        "Poll every due runner concurrently, pass after pass, and prune history every hour. "
        "Several collectors may share the work, each polling a runner only if it wins its lease. "
        "Stops after the pass in progress on SIGTERM or SIGINT."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="run a single pass and exit")
        parser.add_argument("--workers", type=int, default=64, help="concurrent fetches")
        parser.add_argument("--tick", type=float, default=1.0, help="seconds between passes")

    def handle(self, *args: Any, **options: Any) -> None:
        os.nice(NICENESS)
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        collector.run(options["workers"], stop, tick_s=options["tick"], once=options["once"])
