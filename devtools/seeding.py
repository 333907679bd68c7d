"""Bookmarks for a simulated fleet, as `manage.py demo`, the tests and the benchmarks use them.

A plain module over runners.models: importable whether or not the devtools app is installed.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.text import slugify

from runners.models import ApiToken, Runner, Team

SOURCES = {"managed": Runner.Source.MANAGED, "self_hosted": Runner.Source.SELF_HOSTED}


@transaction.atomic
def seed_fleet(team: Team, fleet: dict[str, Any], poll_interval: int = 30) -> int:
    """Bookmark every runner of a simulator's `/_sim/fleet` description; returns how many.

    Idempotent: runners already bookmarked keep their settings.
    """
    token, _ = ApiToken.objects.get_or_create(
        team=team, label="Simulated ComfyControl (pro)", defaults={"secret": "cfc_sim_pro"}
    )
    for entry in fleet["runners"]:
        Runner.objects.get_or_create(
            team=team,
            slug=slugify(entry["name"])[:100],
            defaults=_bookmark(entry, token, poll_interval),
        )
    return len(fleet["runners"])


def _bookmark(entry: dict[str, Any], token: ApiToken, poll_interval: int) -> dict[str, Any]:
    common = {
        "name": entry["name"][:100],
        "tags": ", ".join(entry["tags"]),
        "poll_interval": poll_interval,
    }
    if entry["kind"] in SOURCES:
        return {
            **common,
            "source": SOURCES[entry["kind"]],
            "comfycontrol_id": entry["id"],
            "token": token,
        }
    return {
        **common,
        "source": Runner.Source.DIRECT,
        "base_url": entry["base_url"],
        "headers": entry["headers"],
    }
