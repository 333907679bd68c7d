"""When to fetch a direct runner's node inventory: after a fetch that found new software.

Called by `refresh` after a successful fetch, on the refresher's thread (the collector or the
background pool), never in a viewer's request. The inventory has its own size cap and deadline
(INVENTORY_MAX_BYTES, INVENTORY_DEADLINE) under the same egress policy.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta

from django.conf import settings

from runners.crypto import DecryptionError
from runners.intel import software
from runners.models import Runner
from runners.stats import RunnerStats
from runners.upstream import errors
from runners.upstream.egress import EgressPolicy, Limits
from runners.upstream.inventory import fetch_inventory

log = logging.getLogger(__name__)


def after_fetch(runner: Runner, now: datetime, stats: RunnerStats) -> None:
    """Note the runner's software; on a change, fetch a direct runner's inventory. Either marks
    the team's drift as due (`drift.update_due`). A failure is the inventory's own state, never
    the runner's."""
    row = software.note_software(runner.pk, stats)
    if not runner.uses_comfycontrol and software.inventory_due(row, now):
        lease = timedelta(seconds=settings.INVENTORY_DEADLINE + 5)
        if software.claim_inventory(runner.pk, now, lease):
            _fetch(runner, row.fingerprint, now)


def _fetch(runner: Runner, current: str, now: datetime) -> None:
    limits = replace(
        Limits.from_settings(),
        deadline=settings.INVENTORY_DEADLINE,
        max_bytes=settings.INVENTORY_MAX_BYTES,
    )
    try:
        found = fetch_inventory(
            runner.base_url, runner.headers or {}, EgressPolicy.from_settings(), limits
        )
    except DecryptionError:
        software.store_inventory_failure(runner.pk, current, now, errors.Undecryptable().sentence)
    except errors.UpstreamError as error:
        log.info("runner %s: node inventory: %s", runner.pk, error.code)
        software.store_inventory_failure(runner.pk, current, now, error.sentence)
    else:
        software.store_inventory(runner.pk, current, now, found.nodes, found.models)
