"""The dashboard's page of runners: what the page shows and its cursor, for a load or a poll."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from functools import cached_property

from django.core.paginator import Page, Paginator
from django.http import QueryDict
from django.urls import reverse
from django.utils.safestring import SafeString

from runners import access, cards
from runners.access import User
from runners.cards.cursor import cursor, poll_tick
from runners.fleet.rows import Rows, rows_for
from runners.fleet.strip import Strip, strip_for
from runners.forms import DashboardFilterForm
from runners.models import Runner

PAGE_SIZE = 100
# What a page's cursor never needs; cards and rows that must be rendered load their stats again.
DEFERRED = (
    "headers", "notes", "state__raw", "state__stats", "token__secret", "software__packs",
    "software__packs_with_files", "software__inventory_error",
)  # fmt: skip


@dataclass(frozen=True)
class Listing:
    form: DashboardFilterForm
    rows: Rows
    audience: cards.Audience
    has_teams: bool
    one_team: bool  # the table leaves out its Team column
    add_runner_teams: list[str]  # slugs of the teams where the user may add runners, by name

    @property
    def page(self) -> Page:
        return self.rows.page

    @property
    def runners(self) -> list[Runner]:
        return self.rows.runners

    @property
    def strip(self) -> Strip:
        return self.rows.strip

    @cached_property
    def keys(self) -> dict[int, str]:
        return cards.keys_for(self.runners, self.audience, self.form.chosen_view)

    @cached_property
    def fragments(self) -> list[SafeString]:
        """Each runner's card or table row, as the chosen view shows it."""
        return cards.cards_html(self.runners, self.audience, self.form.chosen_view, self.keys)

    def changed_fragments(self, runner_ids: set[int]) -> list[SafeString]:
        """The fragments of these runners, each marked to replace itself on the page."""
        runners = [runner for runner in self.runners if runner.pk in runner_ids]
        view = self.form.chosen_view
        return [
            cards.out_of_band(html)
            for html in cards.cards_html(runners, self.audience, view, self.keys)
        ]

    @property
    def cursor(self) -> str:
        return cursor(self.keys, head=self.strip)

    @property
    def stretched_to(self) -> int | None:
        return cards.stretched_interval(self.runners)

    @property
    def tick_s(self) -> int:
        return poll_tick(self.runners)

    @property
    def poll_url(self) -> str:
        query = self.form.query_with(cursor=self.cursor, seen=f"{self.rows.read_at:.3f}")
        return f"{reverse('dashboard-poll')}?{query}"


def listing_for(user: User, query: QueryDict, *, shared: bool = False) -> Listing:
    """The page of the user's runners that the query's filters, sort, view and page ask for;
    `shared` (a page poll) may take rows that other polls read (runners.fleet.rows)."""
    teams = list(access.teams_for(user).values_list("pk", "slug", "name"))
    form = DashboardFilterForm(query, teams=[(slug, name) for _, slug, name in teams])
    editable = access.editable_team_ids(user)
    team_ids = tuple(sorted(pk for pk, _, _ in teams))
    page_number = query.get("page")

    def read() -> Rows:
        read_at = time.time()
        visible = Runner.objects.filter(team__in=team_ids)
        # The page's ids first: sorting 5,000 runners by ids alone costs a third of sorting
        # them with every column the page shows, which are then read for its runners only.
        ordered = form.apply(visible).values_list("pk", flat=True)
        page = Paginator(ordered, PAGE_SIZE).get_page(page_number)
        ids = list(page.object_list)
        listed = visible.select_related("team", "state", "token", "software").defer(*DEFERRED)
        found = listed.in_bulk(ids)
        runners = [found[pk] for pk in ids if pk in found]  # one may have gone meanwhile
        return Rows(page, runners, strip_for(visible), read_at)

    if shared:
        rows = rows_for((team_ids, form.query_with(), page_number), _seen(query), read)
    else:
        rows = read()
    return Listing(
        form=form,
        rows=rows,
        audience=cards.Audience.members(editable),
        has_teams=bool(teams),
        one_team=len(teams) == 1,
        add_runner_teams=[slug for pk, slug, _ in teams if pk in editable],
    )


def _seen(query: QueryDict) -> float:
    """When the rows the page shows were read (its poll's `seen`); 0 if it does not say."""
    try:
        seen = float(query.get("seen", 0))
    except ValueError:
        return 0.0
    return seen if math.isfinite(seen) else 0.0
