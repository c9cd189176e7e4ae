"""Persistence of term lists as immutable versions, stored as changes.

A list with a million terms changes a few terms at a time, so a version is not a copy:
each term row records the version it appeared in and the version that removed (or
replaced) it, and a list at version v is its rows with since <= v < until. Versions
themselves are rows too (settings, time), whose (list_id, version) primary key makes
two writers that race on one list collide instead of silently losing an edit.
Nothing is ever deleted, so every version a hit names can be read back as it was.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from modmesh.runtime import audit
from modmesh.runtime.audit import AuditKey
from modmesh.runtime.database import open_engine
from modmesh.runtime.errors import AlreadyExists, FailedPrecondition
from modmesh.runtime.migrations import migrate
from modmesh.termmatch.derived import edit_of, fill_search_keys, fill_versions, version_counts
from modmesh.termmatch.domain import Term, TermList
from modmesh.termmatch.folding import search_key
from modmesh.termmatch.history import SqlListHistory
from modmesh.termmatch.migrations import SCHEMA
from modmesh.termmatch.tables import (
    AUDIT_TABLE,
    TERM_COLUMNS,
    TermRow,
    VersionRow,
    settings_from_json,
    settings_to_json,
    term_from_row,
    utc,
)

#: Rows written per INSERT statement: big imports stream instead of building one statement.
_BATCH = 5000


@dataclass(frozen=True)
class ListChange:
    """One edit: the list at its new version, and how its terms differ from the last one."""

    term_list: TermList
    added: Sequence[Term] = ()
    #: Term ids whose current rows end at this version (removed, or replaced by `added`).
    removed: Collection[str] = ()
    #: End every current row (an import that replaces the whole list).
    remove_all: bool = False


class ListStore(Protocol):
    def heads(self) -> dict[str, int]:
        """Every list's newest version: cheap enough to poll several times a second."""
        ...

    def latest(self, list_ids: Collection[str] | None = None) -> list[TermList]:
        """The given lists (default: all) at their newest version, ordered by list id."""
        ...

    def get(self, list_id: str, version: int) -> TermList | None: ...

    def newer(self, current: TermList) -> TermList | None:
        """The list at its newest version, read as what changed since `current` (a few
        rows after an edit, where reading the list back is all of them); the terms that
        did not change are `current`'s objects. None when the list is not stored."""
        ...

    def append(self, change: ListChange, event: str, actor: str) -> None:
        """Stores a new version and its audit entry (the event, by the actor) atomically;
        refuses a version that already exists."""
        ...

    def complete(self, since: Mapping[str, int] | None = None) -> None:
        """Fills in the search keys and version details that a replica of the release
        before this one left out (see derived): of each list's versions after the one
        given, or of every version. Cheap when there are none, as there are outside a
        rolling update."""
        ...

    def close(self) -> None: ...


class SqlListStore:
    def __init__(self, url: str, *, audit_key: AuditKey) -> None:
        self._engine = open_engine(url)
        migrate(self._engine, SCHEMA)
        self._audit_key = audit_key
        with Session(self._engine) as session, session.begin():
            audit.anchor(session, AUDIT_TABLE, audit_key, datetime.now(UTC), "termmatch")

    def heads(self) -> dict[str, int]:
        query = select(VersionRow.list_id, func.max(VersionRow.version)).group_by(
            VersionRow.list_id
        )
        with self._engine.connect() as connection:
            return {list_id: version for list_id, version in connection.execute(query)}

    def latest(self, list_ids: Collection[str] | None = None) -> list[TermList]:
        heads = self.heads()
        wanted = sorted(heads if list_ids is None else set(list_ids) & heads.keys())
        with Session(self._engine) as session:
            found = [self._read(session, list_id, heads[list_id]) for list_id in wanted]
        return [term_list for term_list in found if term_list is not None]

    def get(self, list_id: str, version: int) -> TermList | None:
        with Session(self._engine) as session:
            return self._read(session, list_id, version)

    def newer(self, current: TermList) -> TermList | None:
        list_id, since = current.list_id, current.version
        with Session(self._engine) as session:
            version = session.scalar(
                select(func.max(VersionRow.version)).where(VersionRow.list_id == list_id)
            )
            if version is None:
                return None
            row = session.get(VersionRow, (list_id, version))
            if row is None:
                return None
            if version == since:
                return current
            # Rows current at `since` that ended by `version` (removed or replaced)...
            ended_rows = session.execute(
                select(TermRow.term_id, TermRow.position).where(
                    TermRow.list_id == list_id,
                    TermRow.since_version <= since,
                    TermRow.until_version > since,
                    TermRow.until_version <= version,
                )
            )
            ended = {term_id: position for term_id, position in ended_rows}
            # ...and rows current at `version` that began after `since`.
            began = session.execute(
                select(TermRow.position, *TERM_COLUMNS)
                .where(
                    TermRow.list_id == list_id,
                    TermRow.since_version > since,
                    TermRow.since_version <= version,
                    or_(TermRow.until_version.is_(None), TermRow.until_version > version),
                )
                .order_by(TermRow.position)
            ).all()
        # A term updated in place keeps its position; any other new row got one past
        # every earlier row's, so it comes after every term of `current`.
        in_place: dict[str, Term] = {}
        appended: list[Term] = []
        for position, *columns in began:
            term = term_from_row(*columns)
            if ended.get(term.term_id) == position:
                in_place[term.term_id] = term
            else:
                appended.append(term)
        kept = (
            in_place.get(term.term_id, term)
            for term in current.terms
            if term.term_id not in ended or term.term_id in in_place
        )
        return TermList(
            list_id=list_id,
            version=version,
            settings=settings_from_json(row.settings),
            terms=(*kept, *appended),
            created_at=utc(row.list_created_at),
            updated_at=utc(row.created_at),
        )

    def _read(self, session: Session, list_id: str, version: int) -> TermList | None:
        row = session.get(VersionRow, (list_id, version))
        if row is None:
            return None
        query = (
            # Columns, not ORM objects: a list may have a million terms.
            select(*TERM_COLUMNS)
            .where(
                TermRow.list_id == list_id,
                TermRow.since_version <= version,
                or_(TermRow.until_version.is_(None), TermRow.until_version > version),
            )
            .order_by(TermRow.position)
            .execution_options(yield_per=_BATCH)
        )
        terms = tuple(term_from_row(*row) for row in session.execute(query))
        return TermList(
            list_id=list_id,
            version=version,
            settings=settings_from_json(row.settings),
            terms=terms,
            created_at=utc(row.list_created_at),
            updated_at=utc(row.created_at),
        )

    def append(self, change: ListChange, event: str, actor: str) -> None:
        term_list = change.term_list
        version = term_list.version
        try:
            with Session(self._engine) as session, session.begin():
                audit.append(
                    session,
                    AUDIT_TABLE,
                    self._audit_key,
                    datetime.now(UTC),
                    actor,
                    event,
                    f"lists/{term_list.list_id}",
                    _audit_details(change),
                )
                version_row = VersionRow(
                    list_id=term_list.list_id,
                    version=version,
                    settings=settings_to_json(term_list.settings),
                    list_created_at=term_list.created_at,
                    created_at=term_list.updated_at,
                    actor=actor,
                    edit=edit_of(event, change.remove_all).name,
                    term_count=len(term_list.terms),
                )
                session.add(version_row)
                # The version row goes first: a concurrent writer of the same version
                # fails here, before it has touched any term.
                session.flush()
                current = (TermRow.list_id == term_list.list_id) & TermRow.until_version.is_(None)
                removed = set(change.removed)
                # An updated term keeps its place in the list.
                replaced = [t.term_id for t in change.added if t.term_id in removed]
                positions: dict[str, int] = {}
                for chunk in _chunks(replaced):
                    query = select(TermRow.term_id, TermRow.position).where(
                        current, TermRow.term_id.in_(chunk)
                    )
                    positions.update(
                        (term_id, position) for term_id, position in session.execute(query)
                    )
                ended = update(TermRow).values(until_version=version)
                if change.remove_all:
                    session.execute(ended.where(current))
                for chunk in _chunks(list(removed)):
                    session.execute(ended.where(current, TermRow.term_id.in_(chunk)))
                next_position = (
                    session.scalar(
                        select(func.max(TermRow.position)).where(
                            TermRow.list_id == term_list.list_id
                        )
                    )
                    or 0
                ) + 1
                rows = _term_rows(
                    term_list.list_id, version, change.added, positions, next_position
                )
                for batch in _batches(rows):
                    session.execute(insert(TermRow), batch)
                # Counted from the rows just written, as revision 0003 counted the
                # versions before it, so that every version's counts mean the same.
                (
                    version_row.terms_added,
                    version_row.terms_removed,
                    version_row.terms_changed,
                ) = version_counts(session.connection(), term_list.list_id, version)
        except IntegrityError:
            if version == 1:
                raise AlreadyExists(
                    f"term list {term_list.list_id!r} already exists", field="list_id"
                ) from None
            raise FailedPrecondition(
                f"term list {term_list.list_id!r} was edited concurrently "
                f"(version {version} exists already); retry the edit",
                field="list_id",
            ) from None

    def complete(self, since: Mapping[str, int] | None = None) -> None:
        with self._engine.begin() as connection:
            if since is None:
                fill_search_keys(connection)
                fill_versions(connection)
                return
            for list_id, version in since.items():
                fill_search_keys(connection, list_id, version)
                fill_versions(connection, list_id, version)

    def history(self) -> SqlListHistory:
        """Reads of the stored versions a page at a time, on this store's database."""
        return SqlListHistory(self._engine)

    def close(self) -> None:
        self._engine.dispose()


#: Term ids an audit entry names; a bulk import's entry gives counts beyond these.
_AUDITED_IDS = 100


def _audit_details(change: ListChange) -> dict[str, Any]:
    added = [term.term_id for term in change.added]
    removed = sorted(change.removed)
    return {
        "version": change.term_list.version,
        "added": len(added),
        "removed": len(removed),
        "remove_all": change.remove_all,
        "added_ids": added[:_AUDITED_IDS],
        "removed_ids": removed[:_AUDITED_IDS],
    }


def _term_rows(
    list_id: str,
    version: int,
    terms: Iterable[Term],
    positions: dict[str, int],
    next_position: int,
) -> Iterator[dict[str, Any]]:
    for term in terms:
        position = positions.get(term.term_id)
        if position is None:
            position, next_position = next_position, next_position + 1
        yield {
            "list_id": list_id,
            "term_id": term.term_id,
            "since_version": version,
            "until_version": None,
            "position": position,
            "text": term.text,
            # Enums by name: stored lists stay readable if an enum is ever renumbered.
            "kind": term.kind.name,
            "severity": term.severity.name,
            "category": term.category,
            "locale": term.locale,
            "note": term.note,
            "active_from": term.window.active_from,
            "active_until": term.window.active_until,
            "search_key": search_key(term.text, term.term_id),
        }


def _chunks(items: list[str]) -> Iterator[list[str]]:
    for first in range(0, len(items), _BATCH):
        yield items[first : first + _BATCH]


def _batches(rows: Iterator[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == _BATCH:
            yield batch
            batch = []
    if batch:
        yield batch
