"""Work that replicas lease (outbox deliveries, backfill slices, live streams) and the
keys that make Submit idempotent.

Deliveries and live streams gain a lease holder and expiry. A backfill run is cut into
slices, each with its own cursor and lease, so several replicas scan one run and a dead
replica's slice is taken over. Idempotency keys remember the request they first came
with and the case it opened.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"


def upgrade() -> None:
    for table in ("deliveries", "live_streams"):
        with op.batch_alter_table(table) as leased:
            leased.add_column(sa.Column("lease_holder", sa.String(255)))
            leased.add_column(sa.Column("lease_expires_at", sa.DateTime(timezone=True)))
    # One running run per list and date: scans started at once on two replicas share it.
    op.create_index(
        "uq_backfill_runs_running",
        "backfill_runs",
        ["list_id", "since"],
        unique=True,
        sqlite_where=sa.text("status = 'RUNNING'"),
        postgresql_where=sa.text("status = 'RUNNING'"),
    )
    op.create_table(
        "backfill_slices",
        sa.Column("run_id", sa.String(32), sa.ForeignKey("backfill_runs.id"), primary_key=True),
        # The slice holds the cases whose id starts with this hex digit.
        sa.Column("prefix", sa.String(1), primary_key=True),
        sa.Column("cursor_created_at", sa.DateTime(timezone=True)),
        sa.Column("cursor_case_id", sa.String(32)),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("lease_holder", sa.String(255)),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True)),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("case_id", sa.String(32), sa.ForeignKey("cases.id")),
        sa.Column("duplicate", sa.Boolean()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_idempotency_keys_created_at", "idempotency_keys", ["created_at"])
