"""Live streams keep the speech heard in languages transcription does not transcribe, so
that the rules decide on it and the stream's case goes to a reviewer who speaks it.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"


def upgrade() -> None:
    with op.batch_alter_table("live_streams") as batch:
        batch.add_column(
            sa.Column("untranscribed", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )


def downgrade() -> None:
    with op.batch_alter_table("live_streams") as batch:
        batch.drop_column("untranscribed")
