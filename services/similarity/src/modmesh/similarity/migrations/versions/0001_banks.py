"""Banks, their known items with PDQ hashes or audio fingerprints, and the removal log:
the schema similarity built before migrations.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None

#: The bytes of one PDQ hash (modmesh.similarity.hashing.HASH_BYTES when this was written;
#: a revision keeps its own copy, so a later change there cannot rewrite history).
PDQ_BYTES = 32
#: Sequence numbers: 64-bit, but SQLite autoincrements only its INTEGER primary keys.
SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "similarity_banks",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("max_distance", sa.Integer(), nullable=False),
        sa.Column("min_match_percent", sa.Float(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
    )
    op.create_table(
        "similarity_items",
        sa.Column("seq", SEQ, primary_key=True),
        sa.Column("bank", sa.String(64), sa.ForeignKey("similarity_banks.name"), nullable=False),
        sa.Column("item_id", sa.String(256), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False, server_default="pdq"),
        sa.UniqueConstraint("bank", "item_id"),
        sqlite_autoincrement=True,
    )
    op.create_index("similarity_items_by_bank", "similarity_items", ["bank", "kind", "seq"])
    op.create_table(
        "similarity_hashes",
        sa.Column(
            "item_seq",
            SEQ,
            sa.ForeignKey("similarity_items.seq", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("position", sa.Integer(), primary_key=True),
        sa.Column("start_seconds", sa.Float(), nullable=False),
        sa.Column("end_seconds", sa.Float(), nullable=False),
        sa.Column("quality", sa.Integer(), nullable=False),
        sa.Column("pdq", sa.LargeBinary(PDQ_BYTES), nullable=False),
    )
    op.create_table(
        "similarity_audio",
        sa.Column(
            "item_seq",
            SEQ,
            sa.ForeignKey("similarity_items.seq", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("fingerprint", sa.LargeBinary(), nullable=False),
    )
    op.create_table(
        "similarity_removals",
        sa.Column("id", SEQ, primary_key=True),
        sa.Column("bank", sa.String(64), sa.ForeignKey("similarity_banks.name"), nullable=False),
        sa.Column("item_seq", sa.BigInteger(), nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("similarity_removals_by_bank", "similarity_removals", ["bank", "id"])
