"""Case analysis claimed through a lease (holder + expiry) and retried when an engine is
unavailable (attempts, next attempt, since when).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"


def upgrade() -> None:
    with op.batch_alter_table("cases") as cases:
        cases.add_column(sa.Column("analysis_holder", sa.String(255)))
        cases.add_column(sa.Column("analysis_expires_at", sa.DateTime(timezone=True)))
        cases.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        cases.add_column(sa.Column("next_attempt_at", sa.DateTime(timezone=True)))
        cases.add_column(sa.Column("retrying_since", sa.DateTime(timezone=True)))
        cases.create_index("ix_cases_analysis", ["status", "next_attempt_at"])
