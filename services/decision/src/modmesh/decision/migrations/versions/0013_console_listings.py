"""What the reviewers' console lists: case facets (the categories and lists of a case's
term hits, the languages of its transcript) that the queue filters and routes by, an
index on an account's cases, live flags numbered across streams (a poller's cursor),
the credential that opened each live stream, and an index on when streams ended.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"

#: Cases read per turn while their facets are filled in: their evidence JSON may be long.
_BATCH = 500
#: As modmesh.decision.facets.MAX_FACET_CHARS (a migration keeps its own copy).
_MAX_FACET_CHARS = 255

_cases = sa.table("cases", sa.column("id", sa.String), sa.column("evidence", sa.JSON))
_facets = sa.table(
    "case_facets",
    sa.column("case_id", sa.String),
    sa.column("kind", sa.String),
    sa.column("value", sa.String),
)
_flags = sa.table(
    "live_flags",
    sa.column("stream_id", sa.String),
    sa.column("sequence", sa.Integer),
    sa.column("flag_id", sa.BigInteger),
    sa.column("created_at", sa.DateTime),
)


def upgrade() -> None:
    op.create_table(
        "case_facets",
        sa.Column(
            "case_id",
            sa.String(32),
            sa.ForeignKey("cases.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("value", sa.String(255), primary_key=True),
    )
    op.create_index("ix_case_facets_value", "case_facets", ["kind", "value", "case_id"])
    _fill_facets()
    op.create_index("ix_cases_account", "cases", ["account_id", "created_at", "id"])

    with op.batch_alter_table("live_streams") as batch:
        batch.add_column(sa.Column("tenant", sa.String(255), nullable=False, server_default=""))
    # A stream opened before this revision belongs to whoever its case records.
    op.execute(
        "UPDATE live_streams SET tenant = (SELECT cases.tenant FROM cases"
        " WHERE cases.id = live_streams.case_id) WHERE case_id IS NOT NULL"
    )
    op.create_index("ix_live_streams_ended_at", "live_streams", ["ended_at"])

    # Nullable: pods of the release before keep storing flags while an update rolls (the
    # next write of this release numbers them).
    with op.batch_alter_table("live_flags") as batch:
        batch.add_column(sa.Column("flag_id", sa.BigInteger()))
    _number_flags()
    op.create_index("uq_live_flags_flag_id", "live_flags", ["flag_id"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_live_flags_flag_id", "live_flags")
    with op.batch_alter_table("live_flags") as batch:
        batch.drop_column("flag_id")
    op.drop_index("ix_live_streams_ended_at", "live_streams")
    with op.batch_alter_table("live_streams") as batch:
        batch.drop_column("tenant")
    op.drop_index("ix_cases_account", "cases")
    op.drop_index("ix_case_facets_value", "case_facets")
    op.drop_table("case_facets")


def _fill_facets() -> None:
    """Facets of every case with evidence, read in batches by id."""
    connection = op.get_bind()
    last = ""
    while True:
        rows = connection.execute(
            sa.select(_cases.c.id, _cases.c.evidence)
            .where(_cases.c.id > last, _cases.c.evidence.is_not(None))
            .order_by(_cases.c.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            return
        values = [
            {"case_id": case_id, "kind": kind, "value": value}
            for case_id, evidence in rows
            for kind, value in sorted(_facets_of(evidence))
        ]
        if values:
            connection.execute(_facets.insert(), values)
        last = rows[-1].id


def _facets_of(evidence: dict[str, Any]) -> set[tuple[str, str]]:
    """As modmesh.decision.facets.facets_of, from the evidence as stored (stored.py)."""
    hits = evidence.get("term_hits") or []
    found = {("category", hit["category"]) for hit in hits}
    found |= {("list", hit["list_id"]) for hit in hits}
    transcript = evidence.get("transcript")
    if transcript is not None:
        found.add(("language", transcript["language"]))
        found |= {("language", s["language"]) for s in transcript.get("untranscribed", [])}
    return {(kind, value[:_MAX_FACET_CHARS]) for kind, value in found if value}


def _number_flags() -> None:
    """Numbers the flags stored so far across streams, in the order they were stored."""
    connection = op.get_bind()
    ordered = connection.execute(
        sa.select(_flags.c.stream_id, _flags.c.sequence).order_by(
            _flags.c.created_at, _flags.c.stream_id, _flags.c.sequence
        )
    ).all()
    for flag_id, (stream_id, sequence) in enumerate(ordered, start=1):
        connection.execute(
            _flags.update()
            .where(_flags.c.stream_id == stream_id, _flags.c.sequence == sequence)
            .values(flag_id=flag_id)
        )
