"""Stills of known items: small JPEGs of the frames of each item added from video, which
the reviewers' console shows beside a match.

Revision ID: 0003
Revises: 0002

Items stored before have none, as items added as hashes have none: similarity does not
keep the media they were hashed from. A replica of the release before that removes an
item during a rolling update removes its stills too (the foreign key cascades).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"

#: As revision 0001's: sequence numbers are 64-bit, SQLite's INTEGER primary keys.
SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "similarity_stills",
        sa.Column(
            "item_seq",
            SEQ,
            sa.ForeignKey("similarity_items.seq", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("position", sa.Integer(), primary_key=True),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("jpeg", sa.LargeBinary(), nullable=False),
    )
