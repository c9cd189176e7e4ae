"""Live streams moderated by ModerateStream: their owner, start time, how far they are
moderated and their case, and the flags raised in them (numbered per stream).

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    op.create_table(
        "live_streams",
        sa.Column("stream_id", sa.String(255), primary_key=True),
        sa.Column("account_id", sa.String(255), nullable=False),
        sa.Column("start_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("moderated_seconds", sa.Float(), nullable=False),
        sa.Column("last_flag_sequence", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.String(32), sa.ForeignKey("cases.id")),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "live_flags",
        sa.Column(
            "stream_id",
            sa.String(255),
            sa.ForeignKey("live_streams.stream_id"),
            primary_key=True,
        ),
        sa.Column("sequence", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("list_id", sa.String(255), nullable=False),
        sa.Column("list_version", sa.BigInteger(), nullable=False),
        sa.Column("term_id", sa.String(255), nullable=False),
        sa.Column("start_seconds", sa.Float(), nullable=False),
        sa.Column("end_seconds", sa.Float(), nullable=False),
        sa.Column("hit", sa.JSON(), nullable=False),
        sa.Column("context", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
