"""Cases record the credential that submitted them (their tenant), and one tenant's
submission never finds another tenant's case again.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"

_OLD_KEY = ["media_sha256", "account_id", "content_id", "retro_key"]


def upgrade() -> None:
    # Batch mode: SQLite changes a constraint by copying the table.
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("tenant", sa.String(255), nullable=False, server_default=""))
        batch.drop_constraint("uq_cases_submission", type_="unique")
        batch.create_unique_constraint("uq_cases_submission", [*_OLD_KEY, "tenant"])


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_constraint("uq_cases_submission", type_="unique")
        batch.create_unique_constraint("uq_cases_submission", _OLD_KEY)
        batch.drop_column("tenant")
