"""The audit log's hash chain: how an entry is hashed, and how the chain is verified.

Each entry carries the hash of its predecessor and its own hash over that predecessor
and its content (canonical JSON). Changing, inserting or deleting any entry breaks the
chain at that entry or the next one, and `verify` names the first place it breaks.
Cutting entries off the end cannot be seen from the log alone: `verify` reports the
head hash, which operators record elsewhere (a ticket, a transparency report) to anchor it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, select

from modmesh.decision.tables import AuditRow

#: The predecessor of the first audit entry.
GENESIS_HASH = "0" * 64


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str
    action: str
    subject: str
    details: dict[str, Any]
    prev_hash: str
    hash: str


def entry_hash(
    prev_hash: str, at: datetime, actor: str, action: str, subject: str, details: dict[str, Any]
) -> str:
    """sha256 of the previous hash and the entry in canonical JSON (sorted keys, UTC time)."""
    canonical = json.dumps(
        {
            "at": as_utc(at).isoformat(),
            "actor": actor,
            "action": action,
            "subject": subject,
            "details": details,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


@dataclass(frozen=True)
class Verification:
    entries: int
    #: The last entry's hash (GENESIS_HASH for an empty log): record it to anchor the log.
    head_hash: str
    #: The first entry that breaks the chain, and how; None when the chain is whole.
    broken_entry: int | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_entry is None


def verify(entries: Iterable[AuditEntry]) -> Verification:
    """Walks the chain from the start; stops at the first entry that does not fit."""
    expected_prev = GENESIS_HASH
    count = 0
    for entry in entries:
        count += 1
        if entry.prev_hash != expected_prev:
            return Verification(
                count,
                expected_prev,
                entry.id,
                "its prev_hash is not the hash of the entry before it "
                "(an entry before it was removed, inserted or changed)",
            )
        recomputed = entry_hash(
            entry.prev_hash, entry.at, entry.actor, entry.action, entry.subject, entry.details
        )
        if recomputed != entry.hash:
            return Verification(
                count,
                expected_prev,
                entry.id,
                "its content does not match its hash (the entry was changed)",
            )
        expected_prev = entry.hash
    return Verification(count, expected_prev)


def read_entries(engine: Engine, batch: int = 1000) -> Iterator[AuditEntry]:
    """Every entry in chain order, read in batches; reads only, never migrates."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(AuditRow).order_by(AuditRow.id).execution_options(yield_per=batch)
        )
        for row in rows:
            yield AuditEntry(
                row.id,
                as_utc(row.at),
                row.actor,
                row.action,
                row.subject,
                row.details,
                row.prev_hash,
                row.hash,
            )


def as_utc(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything stored here is UTC.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
