"""Similarity's tables as the store reads and writes them: the migrations build them, and a
test checks that the two agree."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC
from typing import Any

import sqlalchemy as sa

from modmesh.runtime.audit import audit_table
from modmesh.similarity.domain import Bank, ItemSummary, Source, StoredItem
from modmesh.similarity.hashing import HASH_BYTES, LEGACY_HASHER

TABLES = sa.MetaData()

BANKS = sa.Table(
    "similarity_banks",
    TABLES,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("max_distance", sa.Integer, nullable=False),
    sa.Column("min_match_percent", sa.Float, nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("negative", sa.Boolean, nullable=False, server_default=sa.false()),
)

ITEMS = sa.Table(
    "similarity_items",
    TABLES,
    # Assigned at insert and never reused: an item's owner id in its bank's index.
    sa.Column("seq", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("bank", sa.ForeignKey("similarity_banks.name"), nullable=False),
    sa.Column("item_id", sa.String(256), nullable=False),
    sa.Column("label", sa.Text, nullable=False),
    # "pdq": hashes in similarity_hashes; "audio": a fingerprint in similarity_audio.
    sa.Column("kind", sa.String(16), nullable=False, server_default="pdq"),
    # What computed the PDQ hashes (modmesh.similarity.hashing.HASHER, LEGACY_HASHER,
    # GIVEN_HASHER); empty for audio items. The default marks what a pod of the release
    # before (which does not write it) adds during a rolling update: it hashes the old way.
    sa.Column("hasher", sa.String(16), nullable=False, server_default=LEGACY_HASHER),
    # Where an imported item came from (domain.Source); all four or none.
    sa.Column("source_exchange", sa.String(64)),
    sa.Column("source_collaboration", sa.Text),
    sa.Column("source_external_id", sa.Text),
    sa.Column("source_fetched_at", sa.DateTime(timezone=True)),
    sa.UniqueConstraint("bank", "item_id"),
    sqlite_autoincrement=True,  # never reuse the seq of a removed item
)

HASHES = sa.Table(
    "similarity_hashes",
    TABLES,
    sa.Column(
        "item_seq",
        sa.ForeignKey("similarity_items.seq", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("position", sa.Integer, primary_key=True),
    sa.Column("start_seconds", sa.Float, nullable=False),
    sa.Column("end_seconds", sa.Float, nullable=False),
    sa.Column("quality", sa.Integer, nullable=False),
    sa.Column("pdq", sa.LargeBinary(HASH_BYTES), nullable=False),
)
AUDIO = sa.Table(
    "similarity_audio",
    TABLES,
    sa.Column(
        "item_seq",
        sa.ForeignKey("similarity_items.seq", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("fingerprint", sa.LargeBinary, nullable=False),
)
#: The stills of an item added from video (modmesh.similarity.stills), in time order; an
#: item added as hashes or from audio has none.
STILLS = sa.Table(
    "similarity_stills",
    TABLES,
    sa.Column(
        "item_seq",
        sa.ForeignKey("similarity_items.seq", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("position", sa.Integer, primary_key=True),
    sa.Column("seconds", sa.Float, nullable=False),
    sa.Column("jpeg", sa.LargeBinary, nullable=False),
)
#: Every removal, so that replicas apply only those after their mark. Never pruned: a row
#: is small, and a replica that was down long still finds what it missed.
REMOVALS = sa.Table(
    "similarity_removals",
    TABLES,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("bank", sa.ForeignKey("similarity_banks.name"), nullable=False),
    sa.Column("item_seq", sa.BigInteger, nullable=False),
    sqlite_autoincrement=True,
)
sa.Index("similarity_removals_by_bank", REMOVALS.c.bank, REMOVALS.c.id)
#: Similarity's keyed audit chain of bank and item changes (see modmesh.runtime.audit).
AUDIT_TABLE = audit_table("similarity", TABLES)
sa.Index("similarity_items_by_bank", ITEMS.c.bank, ITEMS.c.kind, ITEMS.c.seq)


def bank_row(bank: Bank) -> dict[str, Any]:
    return {
        "name": bank.name,
        "max_distance": bank.max_distance,
        "min_match_percent": bank.min_match_percent,
        "description": bank.description,
        "negative": bank.negative,
    }


def bank_of(row: sa.Row[Any]) -> Bank:
    return Bank(row.name, row.max_distance, row.min_match_percent, row.description, row.negative)


def item_row(item: StoredItem) -> dict[str, Any]:
    """The item's row, with its source's columns (all NULL for none)."""
    origin = item.source
    return {
        "bank": item.bank,
        "item_id": item.item_id,
        "label": item.label,
        "kind": item.kind,
        "hasher": item.hasher,
        "source_exchange": origin and origin.exchange,
        "source_collaboration": origin and origin.collaboration,
        "source_external_id": origin and origin.external_id,
        "source_fetched_at": origin and origin.fetched_at,
    }


def summary(row: sa.Row[Any], spans: Sequence[tuple[float, float]]) -> ItemSummary:
    return ItemSummary(
        row.seq,
        row.bank,
        row.item_id,
        row.label,
        tuple(spans),
        stale=row.hasher == LEGACY_HASHER,
        source=source(row),
    )


def source(row: sa.Row[Any]) -> Source | None:
    """The source an item row holds, if any."""
    if row.source_exchange is None:
        return None
    fetched_at = row.source_fetched_at
    if fetched_at.tzinfo is None:  # SQLite keeps no zone; every time written is UTC
        fetched_at = fetched_at.replace(tzinfo=UTC)
    return Source(row.source_exchange, row.source_collaboration, row.source_external_id, fetched_at)
