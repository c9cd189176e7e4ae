"""The windows of a long file's audio that transcription has heard, kept while its case
is analysed, so that an analysis taken up again goes on from the last window.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"


def upgrade() -> None:
    op.create_table(
        "transcript_windows",
        sa.Column("case_id", sa.String(32), sa.ForeignKey("cases.id"), primary_key=True),
        sa.Column("start_seconds", sa.Float(), primary_key=True),
        sa.Column("end_seconds", sa.Float(), nullable=False),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.Column("transcript", sa.JSON(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("transcript_windows")
