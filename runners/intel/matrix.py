"""The extension matrix: a team's custom packs by runner, core folded away."""

from __future__ import annotations

from dataclasses import dataclass

from runners.intel.fleet import Member, members
from runners.models import Team

SORTS = {"most": "Most runners first", "fewest": "Fewest runners first", "name": "Name"}


@dataclass(frozen=True)
class MatrixQuery:
    pack: str = ""  # part of a pack's name
    runner: str = ""  # part of a runner's name
    tag: str = ""
    sort: str = "most"


@dataclass(frozen=True)
class PackRow:
    name: str
    count: int  # runners that have it, among those shown
    cells: tuple[bool | None, ...]  # per runner column: has it, lacks it, or unknown


@dataclass(frozen=True)
class Matrix:
    runners: list[Member]
    packs: list[PackRow]
    drifts: dict[int, str]  # runner id -> the drift sentence stored for it
    total_runners: int

    def as_dict(self) -> dict[str, object]:
        """The matrix as JSON for the API: runner slugs, and per pack who has it (null: unknown)."""
        return {
            "runners": [member.slug for member in self.runners],
            "packs": [
                {"name": row.name, "count": row.count, "has": list(row.cells)} for row in self.packs
            ],
        }


def matrix_for(team: Team, query: MatrixQuery) -> Matrix:
    """The packs-by-runners matrix the query asks for, with each runner's drift; one query."""
    fleet = members(team)
    drifts = {m.id: m.drift for m in fleet if m.drift}
    shown = [m for m in fleet if _runner_matches(m, query)]
    names = {pack for m in shown for pack in m.packs}
    if query.pack:
        names = {name for name in names if query.pack.casefold() in name.casefold()}
    columns = [m.packs for m in shown]
    unknown = [i for i, m in enumerate(shown) if not m.packs_known]
    rows = [_row(name, columns, unknown) for name in names]
    rows.sort(key=_SORT_KEYS.get(query.sort, _SORT_KEYS["most"]))
    return Matrix(shown, rows, drifts, len(fleet))


def _runner_matches(member: Member, query: MatrixQuery) -> bool:
    if query.runner and query.runner.casefold() not in member.name.casefold():
        return False
    return not query.tag or query.tag.casefold() in {t.casefold() for t in member.tag_list}


def _row(name: str, columns: list[frozenset[str]], unknown: list[int]) -> PackRow:
    # 45,000 cells for 300 runners by 150 packs: one membership test each, in a list
    # comprehension, then the few runners without an extension list marked unknown.
    cells: list[bool | None] = [name in packs for packs in columns]
    for i in unknown:
        cells[i] = cells[i] or None
    return PackRow(name, cells.count(True), tuple(cells))


_SORT_KEYS = {
    "most": lambda row: (-row.count, row.name.casefold()),
    "fewest": lambda row: (row.count, row.name.casefold()),
    "name": lambda row: row.name.casefold(),
}
