"""Live flags keep the clip of the audio around their hit (a blob in the mesh's store),
and a case finds its stream's clips through the stream's case id.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"


def upgrade() -> None:
    with op.batch_alter_table("live_flags") as batch:
        batch.add_column(sa.Column("clip_sha256", sa.String(64), nullable=True))
        batch.add_column(sa.Column("clip_uri", sa.Text(), nullable=True))
        batch.add_column(sa.Column("clip_size", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("clip_mime", sa.String(255), nullable=True))
        batch.add_column(sa.Column("clip_start_seconds", sa.Float(), nullable=True))
        batch.add_column(sa.Column("clip_end_seconds", sa.Float(), nullable=True))
    # The blob sweeper asks which of a batch of sha256s a flag's clip has.
    op.create_index("ix_live_flags_clip_sha256", "live_flags", ["clip_sha256"])
    # Every read of a case looks for the stream whose case it is.
    op.create_index("ix_live_streams_case_id", "live_streams", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_live_streams_case_id", "live_streams")
    op.drop_index("ix_live_flags_clip_sha256", "live_flags")
    with op.batch_alter_table("live_flags") as batch:
        for column in (
            "clip_end_seconds",
            "clip_start_seconds",
            "clip_mime",
            "clip_size",
            "clip_uri",
            "clip_sha256",
        ):
            batch.drop_column(column)
