"""Signal sources and negative banks: where an imported item came from (exchange,
collaboration, external id, when fetched), and banks of known-good content.

Revision ID: 0005
Revises: 0004

Items stored before have no source (NULL), as items added from media have none; banks
stored before are positive. A replica of the release before ignores both columns.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    # Plain ADD COLUMN on both databases (SQLite adds a NOT NULL column with a default);
    # a batch copy would drop similarity_banks, which the items' foreign keys refuse.
    op.add_column(
        "similarity_banks",
        sa.Column("negative", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column("similarity_items", sa.Column("source_exchange", sa.String(64)))
    op.add_column("similarity_items", sa.Column("source_collaboration", sa.Text()))
    op.add_column("similarity_items", sa.Column("source_external_id", sa.Text()))
    op.add_column("similarity_items", sa.Column("source_fetched_at", sa.DateTime(timezone=True)))
