"""Reading a list's stored versions a page at a time, without reading the list: its terms
at a version that contain a query, its versions, and the terms two versions disagree on.

Everything is read from the term rows' since/until versions (see store), in term id
order from where the last page stopped (keyset paging: a page costs the same at the
millionth term as at the first). A search walks the index of current rows, which holds
each row's search key, and stops as soon as the page is full: a query many terms contain
fills a page after a few hundred index entries; one that few or none contain walks the
whole list once, however many pages it takes (measured in bench/termmatch/search.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby
from typing import Any, Protocol

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Engine,
    Select,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import InstrumentedAttribute

from modmesh.termmatch.domain import ListEdit, ListVersion, Term, TermChange
from modmesh.termmatch.tables import TERM_COLUMNS, TermRow, VersionRow, term_from_row, utc

#: Above every version there will be (the column is 32 bits): the upper bound of "ended
#: after a version" (see _between).
LAST_VERSION = 2**31 - 1


class ListHistory(Protocol):
    def head(self, list_id: str) -> int | None:
        """The list's newest version; None when there is no such list."""
        ...

    def search(self, list_id: str, version: int, needle: str, after: str, limit: int) -> list[Term]:
        """Up to `limit` terms of the list at `version` whose search key contains the
        folded `needle` ("" matches all), with ids after `after`, in id order."""
        ...

    def versions(self, list_id: str, before: int, limit: int) -> list[ListVersion]:
        """Up to `limit` of the list's versions older than `before`, newest first."""
        ...

    def changes(
        self, list_id: str, from_version: int, to_version: int, after: str, limit: int
    ) -> list[TermChange]:
        """Up to `limit` terms that differ between the two versions (from <= to), with
        ids after `after`, in id order."""
        ...


class SqlListHistory:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def head(self, list_id: str) -> int | None:
        with self._engine.connect() as connection:
            head: int | None = connection.scalar(
                select(func.max(VersionRow.version)).where(VersionRow.list_id == list_id)
            )
        return head

    def search(self, list_id: str, version: int, needle: str, after: str, limit: int) -> list[Term]:
        common = [
            TermRow.list_id == list_id,
            TermRow.since_version <= version,
            TermRow.term_id > after,
        ]
        if needle:
            common.append(TermRow.search_key.contains(needle, autoescape=True))
        # The list at `version` is its rows still current and those that ended after it
        # (none at the newest version): the first of each, then the first of both.
        current = select(*TERM_COLUMNS).where(TermRow.until_version.is_(None), *common)
        ended = select(*TERM_COLUMNS).where(
            _between(TermRow.until_version, version, LAST_VERSION), *common
        )
        query = _first(union_all(_first(current, limit), _first(ended, limit, apart=True)), limit)
        with self._engine.connect() as connection:
            rows = connection.execute(query).all()
        return [term_from_row(*row) for row in rows]

    def versions(self, list_id: str, before: int, limit: int) -> list[ListVersion]:
        query = (
            select(VersionRow)
            .where(VersionRow.list_id == list_id, VersionRow.version < before)
            .order_by(VersionRow.version.desc())
            .limit(limit)
        )
        with self._engine.connect() as connection:
            return [
                ListVersion(
                    version=row.version,
                    created_at=utc(row.created_at),
                    # Unknown for the moment it takes a replica of this release to
                    # fill in a version that one of the release before stored.
                    actor=row.actor or "",
                    edit=ListEdit[row.edit or ListEdit.UNSPECIFIED.name],
                    terms_added=row.terms_added or 0,
                    terms_removed=row.terms_removed or 0,
                    terms_changed=row.terms_changed or 0,
                    term_count=row.term_count or 0,
                )
                for row in connection.execute(query)
            ]

    def changes(
        self, list_id: str, from_version: int, to_version: int, after: str, limit: int
    ) -> list[TermChange]:
        # A term's row at `from_version` that ended by `to_version` ("before"), and its
        # row at `to_version` that began after `from_version` ("after"): at most one of
        # each per term, next to each other in term id order. Ids are compared by the
        # database only, whose collation orders them.
        ended = (
            TermRow.since_version <= from_version,
            _between(TermRow.until_version, from_version, to_version),
        )
        began = (
            _between(TermRow.since_version, from_version, to_version),
            or_(TermRow.until_version.is_(None), TermRow.until_version > to_version),
        )
        batch = 2 * limit + 2
        found: list[TermChange] = []
        with self._engine.connect() as connection:
            while len(found) < limit:
                rest = (TermRow.list_id == list_id, TermRow.term_id > after)
                # Over several versions neither side is in term id order in an index.
                apart = to_version - from_version > 1
                both = union_all(
                    *(
                        _first(
                            select(literal(name).label("side"), *TERM_COLUMNS).where(
                                *rest, *conditions
                            ),
                            batch,
                            apart=apart,
                        )
                        for name, conditions in (("before", ended), ("after", began))
                    )
                )
                # Rows of (side, *TERM_COLUMNS).
                rows: Sequence[Any] = connection.execute(_first(both, batch)).all()
                terms = [
                    (term_id, {row[0]: term_from_row(*row[1:]) for row in group})
                    for term_id, group in groupby(rows, key=lambda row: row[1])
                ]
                if len(rows) == batch:
                    # The last term's other row may come first in the next batch.
                    terms.pop()
                for term_id, sides in terms:
                    before, now = sides.get("before"), sides.get("after")
                    # A row written again with the same fields is no change.
                    if before != now:
                        found.append(TermChange(term_id, before, now))
                    after = term_id
                if len(rows) < batch:
                    break
        return found[:limit]


def _first(
    query: Select[*tuple[Any, ...]] | CompoundSelect[*tuple[Any, ...]],
    limit: int,
    *,
    apart: bool = False,
) -> Select[*tuple[Any, ...]]:
    """The first `limit` rows of `query` in term id order, as a select of its own.

    Each part of a union is limited on its own, not only the union: PostgreSQL does not
    merge ordered parts of a union, and would sort all their rows for the first few. A
    part read `apart` is computed first (a materialised CTE) and sorted: for rows in a
    range of versions (as many as changed in it), which SQLite would otherwise read by
    walking the list's primary key in term id order, all of it when few rows match.
    """
    if apart:
        rows = query.cte().prefix_with("MATERIALIZED")
        query = select(rows)
    first = query.order_by(query.selected_columns.term_id).limit(limit).subquery()
    return select(first)


def _between(
    column: InstrumentedAttribute[int] | InstrumentedAttribute[int | None], low: int, high: int
) -> ColumnElement[bool]:
    """low < column <= high; as equality when that is one version, so that the index
    gives the rows in term id order (an edit's own changes need no sort). Bounded on both
    sides, a range is what SQLite's planner, which keeps no statistics here, takes for a
    narrow one (1/64 of the rows, one bound 1/4), so it reads it from the index on it."""
    if high == low + 1:
        return column == high
    return (column > low) & (column <= high)
