"""Retroactive scans: cases a backfill found in stored transcripts, and the resumable
runs that found them.

A backfill case is keyed by its origin case and list (`retro_key`), so that a scan run
twice, or resumed after a crash, never makes a second case for one item; submissions
keep their key with an empty `retro_key`.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    with op.batch_alter_table("cases") as cases:
        cases.add_column(sa.Column("retro_of", sa.String(32)))
        cases.add_column(sa.Column("retro_key", sa.String(255), nullable=False, server_default=""))
        cases.drop_constraint("uq_cases_submission", type_="unique")
        cases.create_unique_constraint(
            "uq_cases_submission", ["media_sha256", "account_id", "content_id", "retro_key"]
        )
    op.create_table(
        "backfill_runs",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("list_id", sa.String(255), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        # Cases created after the run started are not part of it.
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(255), nullable=False),
        sa.Column("cursor_created_at", sa.DateTime(timezone=True)),
        sa.Column("cursor_case_id", sa.String(32)),
        sa.Column("scanned", sa.Integer(), nullable=False),
        sa.Column("matched", sa.Integer(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_backfill_runs_list", "backfill_runs", ["list_id", "status"])
