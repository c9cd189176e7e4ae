"""A live stream keeps the highest model score of each category heard so far (the scoring
service's, as stored in a case's evidence), which its case shows and its rules read.

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"


def upgrade() -> None:
    # A plain ALTER TABLE on SQLite too: a batch would copy the table, which its flags'
    # foreign keys forbid once it holds streams.
    op.add_column(
        "live_streams", sa.Column("scores", sa.JSON(), nullable=False, server_default="[]")
    )


def downgrade() -> None:
    with op.batch_alter_table("live_streams") as batch:
        batch.drop_column("scores")
