"""Appeals: the affected account contests an action; another reviewer decides.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    op.create_table(
        "appeals",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("case_id", sa.String(32), sa.ForeignKey("cases.id"), nullable=False),
        # One appeal per action: a second is refused, never recorded twice.
        sa.Column(
            "action_id", sa.String(32), sa.ForeignKey("actions.id"), nullable=False, unique=True
        ),
        sa.Column("appellant", sa.String(255), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reviewer", sa.String(255)),
        sa.Column("decision_reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_appeals_case_id", "appeals", ["case_id"])
    op.create_index("ix_appeals_status", "appeals", ["status", "created_at"])
