"""What the store derives from an edit and keeps beside it, so that the console reads it
in one indexed query: each term row's search key, each version's kind of edit, actor and
counts. And filling these in where they are missing (NULL): in rows stored before
revision 0003 (which fills them all), and in rows that a replica of the release before
wrote during a rolling update, after the migration ran (filled by a replica of this
release when it loads or refreshes, see SqlListStore.complete).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Connection, and_, bindparam, func, or_, select, tuple_, update
from sqlalchemy.orm import aliased

from modmesh.termmatch.domain import ListEdit
from modmesh.termmatch.folding import search_key
from modmesh.termmatch.tables import AUDIT_TABLE, TABLES, TERM_COLUMNS, TermRow, VersionRow

#: The columns that make a term what it is: a row written again with the same ones (an
#: import rewrites every term it names) changed nothing.
CONTENT_COLUMNS = TERM_COLUMNS[1:]
#: Rows read and written per statement while filling in search keys.
_BATCH = 5000

#: The audit log's event for each kind of edit (an import that replaces the whole list is
#: "terms.imported" with remove_all in its details).
_EDITS = {
    "list.created": ListEdit.CREATED,
    "list.updated": ListEdit.SETTINGS_UPDATED,
    "terms.added": ListEdit.TERMS_ADDED,
    "terms.updated": ListEdit.TERMS_UPDATED,
    "terms.removed": ListEdit.TERMS_REMOVED,
    "terms.imported": ListEdit.TERMS_IMPORTED,
}


def edit_of(event: str, remove_all: bool) -> ListEdit:
    """The kind of edit an audit event records: for new versions, and for versions whose
    kind is read back from the audit log."""
    edit = _EDITS.get(event, ListEdit.UNSPECIFIED)
    return ListEdit.TERMS_REPLACED if edit == ListEdit.TERMS_IMPORTED and remove_all else edit


def version_counts(connection: Connection, list_id: str, version: int) -> tuple[int, int, int]:
    """Terms (added, removed, changed) by `version` against the one before, read from the
    rows it began and ended: a term whose row ended and began again at `version` was
    replaced, and changed only if its fields differ."""
    began = connection.scalar(
        select(func.count()).where(TermRow.list_id == list_id, TermRow.since_version == version)
    )
    ended = connection.scalar(
        select(func.count()).where(TermRow.list_id == list_id, TermRow.until_version == version)
    )
    replaced = changed = 0
    if began and ended:
        old, new = aliased(TermRow), aliased(TermRow)
        pairs = (
            select(old.term_id)
            .join(
                new,
                and_(
                    new.list_id == old.list_id,
                    new.term_id == old.term_id,
                    new.since_version == version,
                ),
            )
            .where(old.list_id == list_id, old.until_version == version)
        )
        replaced = connection.scalar(select(func.count()).select_from(pairs.subquery())) or 0
        differs = or_(
            *(getattr(old, c.key).is_distinct_from(getattr(new, c.key)) for c in CONTENT_COLUMNS)
        )
        changed = (
            connection.scalar(select(func.count()).select_from(pairs.where(differs).subquery()))
            or 0
        )
    return (began or 0) - replaced, (ended or 0) - replaced, changed


def fill_search_keys(connection: Connection, list_id: str | None = None, since: int = 0) -> None:
    """Computes the key of every term row without one: of `list_id`'s rows, those begun
    after `since`; of every list's, without `list_id`."""
    missing: list[ColumnElement[bool]] = [TermRow.search_key.is_(None)]
    if list_id is not None:
        missing += [TermRow.list_id == list_id, TermRow.since_version > since]
    # The usual answer, none, from an index (on since_version) or one scan.
    if connection.scalar(select(TermRow.term_id).where(*missing).limit(1)) is None:
        return
    key = (TermRow.list_id, TermRow.term_id, TermRow.since_version)
    terms = TABLES.tables[TermRow.__tablename__]
    write = (
        update(terms)
        .where(
            terms.c.list_id == bindparam("l"),
            terms.c.term_id == bindparam("t"),
            terms.c.since_version == bindparam("s"),
        )
        .values(search_key=bindparam("k"))
    )
    last: tuple[str, str, int] | None = None
    while True:
        # In primary key order from the last row done: each batch is one seek.
        query = select(*key, TermRow.text).where(*missing).order_by(*key).limit(_BATCH)
        if last is not None:
            query = query.where(tuple_(*key) > last)
        rows = connection.execute(query).all()
        if not rows:
            return
        connection.execute(
            write,
            [
                {"l": l_id, "t": term_id, "s": since_version, "k": search_key(text, term_id)}
                for l_id, term_id, since_version, text in rows
            ],
        )
        last = (rows[-1][0], rows[-1][1], rows[-1][2])


def fill_versions(connection: Connection, list_id: str | None = None, since: int = 0) -> None:
    """Fills in the kind, actor and counts of every version without them: of `list_id`'s,
    those after `since`; of every list's, without `list_id`. The kind and actor come from
    the version's audit entry; a version stored before termmatch kept one has no actor,
    and its kind is known only for a version 1."""
    missing: list[ColumnElement[bool]] = [VersionRow.edit.is_(None)]
    if list_id is not None:
        missing += [VersionRow.list_id == list_id, VersionRow.version > since]
    versions = connection.execute(
        select(VersionRow.list_id, VersionRow.version)
        .where(*missing)
        .order_by(VersionRow.list_id, VersionRow.version)
    ).all()
    if not versions:
        return
    made = _audited(connection, {list_id for list_id, _ in versions})
    for list_id, version in versions:
        added, removed, changed = version_counts(connection, list_id, version)
        actor, edit = made.get(
            (list_id, version), ("", ListEdit.CREATED if version == 1 else ListEdit.UNSPECIFIED)
        )
        connection.execute(
            update(VersionRow)
            .where(VersionRow.list_id == list_id, VersionRow.version == version)
            .values(
                actor=actor,
                edit=edit.name,
                terms_added=added,
                terms_removed=removed,
                terms_changed=changed,
                # In version order, so the version before has its count by now.
                term_count=_count_before(connection, list_id, version) + added - removed,
            )
        )


def _audited(
    connection: Connection, list_ids: set[str]
) -> dict[tuple[str, int], tuple[str, ListEdit]]:
    """(actor, kind of edit) of each version of the lists that has an audit entry."""
    log = AUDIT_TABLE.c
    entries = connection.execute(
        select(log.actor, log.action, log.subject, log.details)
        .where(log.subject.in_([f"lists/{list_id}" for list_id in list_ids]))
        .order_by(log.id)
    )
    made: dict[tuple[str, int], tuple[str, ListEdit]] = {}
    for actor, action, subject, details in entries:
        version = details.get("version")
        if isinstance(version, int):
            edit = edit_of(action, bool(details.get("remove_all")))
            made[subject.removeprefix("lists/"), version] = (actor, edit)
    return made


def _count_before(connection: Connection, list_id: str, version: int) -> int:
    """Terms at the version before `version`: as stored, or counted if it is not (yet)."""
    if version == 1:
        return 0
    before = version - 1
    count: int | None = connection.scalar(
        select(VersionRow.term_count).where(
            VersionRow.list_id == list_id, VersionRow.version == before
        )
    )
    if count is None:
        count = connection.scalar(
            select(func.count()).where(
                TermRow.list_id == list_id,
                TermRow.since_version <= before,
                or_(TermRow.until_version.is_(None), TermRow.until_version > before),
            )
        )
    return count or 0
