"""Creating and updating runner bookmarks from a ComfyControl account."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from runners.history import uptime
from runners.models import ApiToken, Runner, RunnerState
from runners.polling import budget
from runners.status import Status
from runners.upstream import comfycontrol, errors
from runners.upstream.egress import Limits

BUDGET_WAIT_S = 60
Progress = Callable[[str, int, int], None]  # (kind, listed so far, total of that kind)


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0  # bookmarked, no longer listed by ComfyControl: not polled any more
    skipped: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        text = (
            f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.removed} removed upstream"
        )
        return "; ".join([text, *self.skipped])


def import_runners(token: ApiToken, progress: Progress | None = None) -> ImportResult:
    """Bookmark every runner the token's account has; raises UpstreamError when a list fails.

    A plan without managed runners (403) skips them and says so in the result. Bookmarks of
    the token that the account no longer lists are marked removed upstream. `progress` hears
    how many runners were listed so far, of how many, after each page.
    """
    result = ImportResult()
    for kind in ("self_hosted", "managed"):
        try:
            listings = list(_all_listings(token, kind, progress))
        except errors.Forbidden as error:
            result.skipped.append(f"managed runners skipped: {error.sentence}")
            continue
        for listing in listings:
            _upsert(token, kind, listing, result)
        result.removed += _mark_removed(token, kind, {listing.id for listing in listings})
    return result


def _all_listings(token: ApiToken, kind: comfycontrol.Kind, progress: Progress | None):
    limits = Limits.from_settings()
    page = 1
    listed = 0
    while True:
        if not budget.wait_and_acquire(budget.comfycontrol_host(), BUDGET_WAIT_S):
            raise errors.RateLimited()
        try:
            listings, total = comfycontrol.list_page(
                settings.COMFYCONTROL_API_URL, token.secret, kind, page, limits
            )
        except errors.RateLimited:
            budget.pause(budget.comfycontrol_host())  # as a fetch does: every call waits
            raise
        yield from listings
        listed += len(listings)
        if progress is not None:
            progress(kind, listed, total)
        if not listings or page * comfycontrol.PER_PAGE >= total:
            return
        page += 1


@transaction.atomic
def _upsert(
    token: ApiToken, kind: str, listing: comfycontrol.RunnerListing, result: ImportResult
) -> None:
    tags = ", ".join(listing.tags)
    runner = Runner.objects.filter(
        team=token.team_id, source=kind, comfycontrol_id=listing.id
    ).first()
    if runner is None:
        Runner.objects.create(
            team=token.team,
            name=listing.name,
            slug=_free_slug(token.team_id, listing.name),
            source=kind,
            comfycontrol_id=listing.id,
            token=token,
            tags=tags,
            poll_interval=settings.DEFAULT_POLL_INTERVAL,
        )
        result.created += 1
    elif (runner.name, runner.tags, runner.removed_at) != (listing.name, tags, None):
        Runner.objects.filter(pk=runner.pk).update(name=listing.name, tags=tags, removed_at=None)
        result.updated += 1
    else:
        result.unchanged += 1


@transaction.atomic
def _mark_removed(token: ApiToken, kind: str, listed_ids: set[str]) -> int:
    """Mark the token's bookmarks of `kind` that are not listed any more; returns how many."""
    gone = Runner.objects.filter(token=token, source=kind, removed_at__isnull=True).exclude(
        comfycontrol_id__in=listed_ids
    )
    gone_ids = list(gone.values_list("pk", flat=True))
    now = timezone.now()
    Runner.objects.filter(pk__in=gone_ids).update(removed_at=now)
    states = RunnerState.objects.filter(pk__in=gone_ids)
    uptime.note_statuses(
        list(states.values_list("pk", flat=True)), int(now.timestamp()), Status.REMOVED
    )
    states.update(status=Status.REMOVED, status_since=now, error_sentence="")
    return len(gone_ids)


def _free_slug(team_id: int, name: str) -> str:
    base = slugify(name)[:90] or "runner"
    taken = set(
        Runner.objects.filter(team=team_id, slug__startswith=base).values_list("slug", flat=True)
    )
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug
