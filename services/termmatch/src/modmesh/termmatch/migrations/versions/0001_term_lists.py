"""Term lists as versions stored as changes: the schema termmatch built before migrations.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "termmatch_list_versions",
        sa.Column("list_id", sa.String(64), primary_key=True),
        sa.Column("version", sa.Integer(), primary_key=True),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("list_created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "termmatch_terms",
        sa.Column("list_id", sa.String(64), primary_key=True),
        sa.Column("term_id", sa.String(64), primary_key=True),
        sa.Column("since_version", sa.Integer(), primary_key=True),
        sa.Column("until_version", sa.Integer()),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("category", sa.Text(), nullable=False),
        sa.Column("locale", sa.String(35), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("active_from", sa.DateTime(timezone=True)),
        sa.Column("active_until", sa.DateTime(timezone=True)),
    )
    op.create_index("termmatch_terms_current", "termmatch_terms", ["list_id", "until_version"])
    op.create_index("termmatch_terms_since", "termmatch_terms", ["list_id", "since_version"])
