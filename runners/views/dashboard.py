from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from runners.alerts.setup import notices_for
from runners.cards.cursor import changes
from runners.fleet.listing import listing_for
from runners.polling.background import refresh_soon

# The table view's columns: (sort key or "", heading).
TABLE_COLUMNS = [
    ("attention", "Status"), ("name", "Name"), ("team", "Team"), ("", "Source"), ("", "GPUs"),
    ("vram", "Most free VRAM"), ("", "RAM free"), ("", "ComfyUI"), ("", "Queue"),
    ("", "Packs"), ("seen", "Data age"),
]  # fmt: skip


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The dashboard; for htmx (a filter change) only its grid."""
    listing = listing_for(request.user, request.GET)
    refresh_soon(listing.runners)
    context = {"listing": listing, "form": listing.form, "table_columns": TABLE_COLUMNS}
    if not request.htmx:
        context["alert_notices"] = notices_for(request.user)
    template = "runners/dashboard.html#grid" if request.htmx else "runners/dashboard.html"
    return render(request, template, context)


@login_required
def poll(request: HttpRequest) -> HttpResponse:
    """The dashboard's one poll per tick: 204 when nothing it shows changed, else the changed
    cards or rows, the strip and the next poll, swapped out of band; the whole grid when the
    list itself changed. Due runners are refreshed off this request."""
    listing = listing_for(request.user, request.GET, shared=True)
    refresh_soon(listing.runners, read_at=listing.rows.read_at)
    found = changes(request.GET.get("cursor", ""), listing.cursor)
    if found == (False, []):
        return HttpResponse(status=204)
    context = {"listing": listing, "form": listing.form, "table_columns": TABLE_COLUMNS}
    if found is None:
        return render(request, "runners/dashboard.html#grid", {**context, "oob": True})
    context["changed"] = listing.changed_fragments(set(found[1]))
    return render(request, "runners/dashboard.html#changes", context)
