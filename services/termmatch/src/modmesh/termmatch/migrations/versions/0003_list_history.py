"""What the console reads of a list: a search key on every term row, and on every version
who made it, what kind of edit it was and how many terms it added, removed and changed.

Revision ID: 0003
Revises: 0002

The columns are nullable: a replica of the release before keeps writing rows without
them during a rolling update, and a replica of this release fills those in (see
`modmesh.termmatch.derived`). The rows stored before are filled in here, with the same
functions, so that old and new rows agree: search keys with `folding.search_key`, each
version's counts from its rows, its actor and kind from the list's audit entry. Runs
once, at the first start of this release: about a minute per million term rows.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from modmesh.termmatch.derived import fill_search_keys, fill_versions

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.add_column("termmatch_terms", sa.Column("search_key", sa.Text()))
    for name, column_type in (
        ("actor", sa.String(255)),
        ("edit", sa.String(32)),
        ("terms_added", sa.Integer()),
        ("terms_removed", sa.Integer()),
        ("terms_changed", sa.Integer()),
        ("term_count", sa.Integer()),
    ):
        op.add_column("termmatch_list_versions", sa.Column(name, column_type))
    connection = op.get_bind()
    fill_search_keys(connection)
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
    fill_versions(connection)
