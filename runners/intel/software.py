"""The write side of fleet intelligence: a runner's software row and node inventory.

Called by polling after a successful fetch; pages only read what these store.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q

from runners.intel.models import ModelFile, NodeClass, Software
from runners.stats import RunnerStats
from runners.text import truncate

# A failed inventory fetch is tried again after this long even if nothing changed.
INVENTORY_RETRY = timedelta(hours=1)
VERSION_CHARS = Software._meta.get_field("comfyui_version").max_length


def fingerprint(stats: RunnerStats) -> str:
    """What decides whether a runner's software changed: ComfyUI version and pack set."""
    version = "" if stats.comfyui_version is None else stats.comfyui_version.raw
    packs = sorted(stats.custom_pack_names) if stats.extensions else ["?"]
    return hashlib.sha256("\n".join([version, *packs]).encode()).hexdigest()


def note_software(runner_id: int, stats: RunnerStats) -> Software:
    """The runner's software row, updated and marked `drift_due` if its fingerprint changed."""
    current = fingerprint(stats)
    software = Software.objects.filter(pk=runner_id).first()
    if software is not None and software.fingerprint == current:
        return software
    software = software or Software(runner_id=runner_id)
    software.fingerprint = current
    version = "" if stats.comfyui_version is None else stats.comfyui_version.raw
    software.comfyui_version = truncate(version, VERSION_CHARS)
    software.packs_with_files = stats.custom_pack_names
    software.packs_known = bool(stats.extensions)
    software.packs = _union(software.packs_with_files, _inventory_packs(software))
    software.drift_due = True
    software.save()
    return software


def inventory_due(software: Software, now: datetime) -> bool:
    """Never fetched, fetched for other software, or failed over an hour ago."""
    if software.inventory_fingerprint != software.fingerprint:
        return True
    return bool(software.inventory_error) and software.inventory_at < now - INVENTORY_RETRY


def claim_inventory(runner_id: int, now: datetime, lease: timedelta) -> bool:
    """Win the right to fetch the runner's inventory with one conditional UPDATE."""
    free = Q(inventory_claimed_until__isnull=True) | Q(inventory_claimed_until__lte=now)
    return bool(
        Software.objects.filter(free, pk=runner_id).update(inventory_claimed_until=now + lease)
    )


def store_inventory(
    runner_id: int,
    current: str,
    now: datetime,
    nodes: Mapping[str, str],
    models: Mapping[str, Sequence[str]],
) -> None:
    """Replace the runner's node classes and model files with what its server listed."""
    with transaction.atomic():
        NodeClass.objects.filter(runner_id=runner_id).delete()
        ModelFile.objects.filter(runner_id=runner_id).delete()
        NodeClass.objects.bulk_create(
            (NodeClass(runner_id=runner_id, name=n, pack=p) for n, p in nodes.items()),
            batch_size=500,
        )
        ModelFile.objects.bulk_create(
            (
                ModelFile(runner_id=runner_id, folder=f, name=n)
                for f, ns in models.items()
                for n in ns
            ),
            batch_size=500,
        )
        software = Software.objects.select_for_update().get(pk=runner_id)
        node_packs = sorted({p for p in nodes.values() if p}, key=str.casefold)
        software.packs = _union(software.packs_with_files, node_packs)
        software.node_count = len(nodes)
        software.drift_due = True
        _finish(software, current, now, "")


def store_inventory_failure(runner_id: int, current: str, now: datetime, sentence: str) -> None:
    """Remember that the inventory could not be fetched: what was stored before stays."""
    _finish(Software.objects.get(pk=runner_id), current, now, sentence[:300])


def _finish(software: Software, current: str, now: datetime, error: str) -> None:
    software.inventory_fingerprint = current
    software.inventory_at = now
    software.inventory_error = error
    software.inventory_claimed_until = None
    software.save()


def _inventory_packs(software: Software) -> list[str]:
    if software.pk is None or not software.node_count:
        return []
    nodes = NodeClass.objects.filter(runner_id=software.runner_id).exclude(pack="")
    return list(nodes.values_list("pack", flat=True).distinct())


def _union(*lists: Sequence[str]) -> list[str]:
    return sorted({name for names in lists for name in names}, key=str.casefold)
