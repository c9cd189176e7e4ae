"""What the console reads of a list: a search key on every term row, and on every version
who made it, what kind of edit it was and how many terms it added, removed and changed.

Revision ID: 0003
Revises: 0002

The rows stored before are filled in here: search keys with `folding.search_key`, each
version's counts with `tables.version_counts` (the same definitions the store uses for
new rows, so that old and new agree; changing either needs a revision that computes them
again), its actor and edit from the list's audit entry. A version with no audit entry
(stored before revision 0002) keeps an empty actor, and its edit is unknown unless it is
a version 1. Runs once, at the first start of this release: about a minute per million
term rows.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from modmesh.termmatch.domain import ListEdit
from modmesh.termmatch.folding import search_key
from modmesh.termmatch.tables import edit_of, version_counts

revision = "0003"
down_revision = "0002"

#: Rows read and written per statement while filling in search keys.
_BATCH = 5000
_TERMS = sa.table(
    "termmatch_terms",
    sa.column("list_id", sa.String),
    sa.column("term_id", sa.String),
    sa.column("since_version", sa.Integer),
    sa.column("text", sa.Text),
    sa.column("search_key", sa.Text),
)
_VERSIONS = sa.table(
    "termmatch_list_versions",
    sa.column("list_id", sa.String),
    sa.column("version", sa.Integer),
    sa.column("actor", sa.String),
    sa.column("edit", sa.String),
    sa.column("terms_added", sa.Integer),
    sa.column("terms_removed", sa.Integer),
    sa.column("terms_changed", sa.Integer),
    sa.column("term_count", sa.Integer),
)
_AUDIT = sa.table(
    "termmatch_audit_log",
    sa.column("id", sa.Integer),
    sa.column("actor", sa.String),
    sa.column("action", sa.String),
    sa.column("subject", sa.String),
    sa.column("details", sa.JSON),
)


def upgrade() -> None:
    op.add_column(
        "termmatch_terms",
        sa.Column("search_key", sa.Text(), nullable=False, server_default=""),
    )
    for name, column_type, default in (
        ("actor", sa.String(255), ""),
        ("edit", sa.String(32), ListEdit.UNSPECIFIED.name),
        ("terms_added", sa.Integer(), "0"),
        ("terms_removed", sa.Integer(), "0"),
        ("terms_changed", sa.Integer(), "0"),
        ("term_count", sa.Integer(), "0"),
    ):
        op.add_column(
            "termmatch_list_versions",
            sa.Column(name, column_type, nullable=False, server_default=default),
        )
    connection = op.get_bind()
    _fill_search_keys(connection)
    # Built after the keys are filled: once, not updated row by row.
    op.create_index(
        "termmatch_terms_search",
        "termmatch_terms",
        ["list_id", "term_id", "since_version", "search_key"],
        sqlite_where=sa.text("until_version IS NULL"),
        postgresql_where=sa.text("until_version IS NULL"),
    )
    # Each edit's ended and begun rows in term id order.
    for name, column in (
        ("termmatch_terms_current", "until_version"),
        ("termmatch_terms_since", "since_version"),
    ):
        op.drop_index(name, "termmatch_terms")
        op.create_index(name, "termmatch_terms", ["list_id", column, "term_id"])
    _fill_versions(connection)


def _fill_search_keys(connection: sa.Connection) -> None:
    key = (_TERMS.c.list_id, _TERMS.c.term_id, _TERMS.c.since_version)
    write = (
        sa.update(_TERMS)
        .where(
            _TERMS.c.list_id == sa.bindparam("l"),
            _TERMS.c.term_id == sa.bindparam("t"),
            _TERMS.c.since_version == sa.bindparam("s"),
        )
        .values(search_key=sa.bindparam("k"))
    )
    last: tuple[str, str, int] | None = None
    while True:
        # Walked in primary key order from the last row done: each batch is one seek.
        query = sa.select(*key, _TERMS.c.text).order_by(*key).limit(_BATCH)
        if last is not None:
            query = query.where(sa.tuple_(*key) > last)
        rows = connection.execute(query).all()
        if not rows:
            return
        connection.execute(
            write,
            [
                {
                    "l": row.list_id,
                    "t": row.term_id,
                    "s": row.since_version,
                    "k": search_key(row.text, row.term_id),
                }
                for row in rows
            ],
        )
        last = (rows[-1].list_id, rows[-1].term_id, rows[-1].since_version)


def _fill_versions(connection: sa.Connection) -> None:
    made: dict[tuple[str, int], tuple[str, ListEdit]] = {}
    entries = connection.execute(
        sa.select(_AUDIT.c.actor, _AUDIT.c.action, _AUDIT.c.subject, _AUDIT.c.details)
        .where(_AUDIT.c.subject.like("lists/%"))
        .order_by(_AUDIT.c.id)
    )
    for actor, action, subject, details in entries:
        version = details.get("version")
        if isinstance(version, int):
            edit = edit_of(action, bool(details.get("remove_all")))
            made[subject.removeprefix("lists/"), version] = (actor, edit)
    versions = connection.execute(
        sa.select(_VERSIONS.c.list_id, _VERSIONS.c.version).order_by(
            _VERSIONS.c.list_id, _VERSIONS.c.version
        )
    ).all()
    term_count = 0
    for list_id, version in versions:
        added, removed, changed = version_counts(connection, list_id, version)
        # Versions come in order, so a list's count goes on from its previous version.
        term_count = (0 if version == 1 else term_count) + added - removed
        actor, edit = made.get(
            (list_id, version), ("", ListEdit.CREATED if version == 1 else ListEdit.UNSPECIFIED)
        )
        connection.execute(
            sa.update(_VERSIONS)
            .where(_VERSIONS.c.list_id == list_id, _VERSIONS.c.version == version)
            .values(
                actor=actor,
                edit=edit.name,
                terms_added=added,
                terms_removed=removed,
                terms_changed=changed,
                term_count=term_count,
            )
        )
