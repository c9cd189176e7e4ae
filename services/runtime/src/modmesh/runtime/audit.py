"""An audit log as a keyed hash chain: how an entry is appended, hashed and verified.

Each entry carries the hash of its predecessor and its own HMAC-SHA256, under a key the
database does not hold (a setting from a Secret), over that predecessor and its content
(canonical JSON). Whoever can write the database but lacks the key cannot change, insert
or delete an entry and recompute the hashes after it: `verify` names the first entry that
does not fit. Cutting entries off the end is seen only against a signed checkpoint of an
earlier head (`modmesh.runtime.checkpoint`).

Logs written before the key existed hold plain SHA-256 entries. Opening a store anchors
them (`anchor`): the first keyed entry, `audit.anchored`, names the plain segment's length
and head, and its HMAC covers that head, so the plain segment cannot be rewritten after
it either. `verify` accepts plain entries only before the first keyed one, and a log of
plain entries alone only as unanchored (a failure: it proves nothing).

Writers on several replicas take turns: on PostgreSQL `append` holds a transaction-scoped
advisory lock from reading the head to the commit, so every interleaving yields one chain
and no writer fails because another wrote first. The unique prev_hash stays as a guard.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    Connection,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    func,
    insert,
    select,
)
from sqlalchemy.orm import Session

#: The predecessor of the first audit entry.
GENESIS_HASH = "0" * 64
#: The entry that starts the keyed chain after entries written before the key existed.
ANCHOR_ACTION = "audit.anchored"
#: Shortest key accepted: HMAC-SHA256's own block of security.
MIN_KEY_BYTES = 32


class AuditKeyError(ValueError):
    """The audit key setting is missing or too short."""


@dataclass(frozen=True, repr=False)
class AuditKey:
    """The HMAC key of a chain. Never logged: its repr names no bytes."""

    secret: bytes

    @classmethod
    def from_setting(cls, value: str, setting: str) -> AuditKey:
        secret = value.encode()
        if len(secret) < MIN_KEY_BYTES:
            raise AuditKeyError(
                f"{setting} must hold at least {MIN_KEY_BYTES} bytes "
                f"(got {len(secret)}); `modmesh up` makes one, or set it from a Secret"
            )
        return cls(secret)

    def __repr__(self) -> str:
        return "AuditKey(<secret>)"


def table_name(service: str) -> str:
    """The table of a service's audit log: `<service>_audit_log` (decision's is
    `audit_log`, named before the other services kept logs)."""
    return "audit_log" if service == "decision" else f"{service}_audit_log"


def audit_table(service: str, metadata: MetaData) -> Table:
    """A service's audit log table, in the metadata given (the service's own)."""
    return Table(
        table_name(service),
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("at", DateTime(timezone=True), nullable=False),
        Column("actor", String(255), nullable=False),
        Column("action", String(64), nullable=False),
        Column("subject", String(255), nullable=False),
        Column("details", JSON, nullable=False),
        # Unique, so that two writers racing for the same predecessor cannot fork the
        # chain: the database refuses the second one instead.
        Column("prev_hash", String(64), nullable=False, unique=True),
        Column("hash", String(64), nullable=False, unique=True),
    )


#: A transaction to append in: an ORM session or a Core connection.
Writer = Session | Connection


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


def _canonical(
    prev_hash: str, at: datetime, actor: str, action: str, subject: str, details: dict[str, Any]
) -> bytes:
    content = json.dumps(
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
    return (prev_hash + content).encode()


def entry_hash(
    key: AuditKey,
    prev_hash: str,
    at: datetime,
    actor: str,
    action: str,
    subject: str,
    details: dict[str, Any],
) -> str:
    """HMAC-SHA256 under the chain's key of the previous hash and the entry."""
    message = _canonical(prev_hash, at, actor, action, subject, details)
    return hmac.new(key.secret, message, hashlib.sha256).hexdigest()


def plain_hash(
    prev_hash: str, at: datetime, actor: str, action: str, subject: str, details: dict[str, Any]
) -> str:
    """The unkeyed sha256 of entries written before logs were keyed."""
    return hashlib.sha256(_canonical(prev_hash, at, actor, action, subject, details)).hexdigest()


def append(
    session: Writer,
    table: Table,
    key: AuditKey,
    at: datetime,
    actor: str,
    action: str,
    subject: str,
    details: dict[str, Any],
) -> None:
    """Adds an entry after the head, in the caller's transaction: the change it records
    and the entry commit together or not at all."""
    lock_chain(session, table)
    head = session.execute(select(table.c.hash).order_by(table.c.id.desc()).limit(1))
    prev_hash = head.scalar() or GENESIS_HASH
    session.execute(
        insert(table).values(
            at=at,
            actor=actor,
            action=action,
            subject=subject,
            details=details,
            prev_hash=prev_hash,
            hash=entry_hash(key, prev_hash, at, actor, action, subject, details),
        )
    )


def lock_chain(session: Writer, table: Table) -> None:
    """Takes the chain's turn until the transaction ends (PostgreSQL; taking it again in
    the same transaction is free). SQLite writers already take turns on the file."""
    dialect = session.get_bind().dialect if isinstance(session, Session) else session.dialect
    if dialect.name == "postgresql":
        digest = hashlib.sha256(f"modmesh-audit:{table.name}".encode()).digest()
        session.execute(select(func.pg_advisory_xact_lock(int.from_bytes(digest[:8], signed=True))))


def anchor(session: Writer, table: Table, key: AuditKey, at: datetime, actor: str) -> bool:
    """Starts the keyed chain after plain entries (a log from before the key existed);
    True if it wrote the anchor, False if the head is already keyed or the log empty."""
    lock_chain(session, table)
    last = session.execute(select(table).order_by(table.c.id.desc()).limit(1)).one_or_none()
    if last is None:
        return False
    head = audit_entry(last)
    if _keyed(key, head):
        return False
    count = session.execute(select(func.count()).select_from(table)).scalar_one()
    details = {"unkeyed_entries": count, "unkeyed_head_id": head.id, "unkeyed_head": head.hash}
    append(session, table, key, at, actor, ANCHOR_ACTION, table.name, details)
    return True


@dataclass(frozen=True)
class Verification:
    entries: int
    #: The last entry's hash (GENESIS_HASH for an empty log) and id (0 for none).
    head_hash: str
    head_id: int = 0
    #: Plain entries written before the key existed, anchored by the first keyed entry.
    unkeyed: int = 0
    #: The first entry that breaks the chain, and how; None when the chain is whole.
    broken_entry: int | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_entry is None


def verify(entries: Iterable[AuditEntry], key: AuditKey) -> Verification:
    """Walks the chain from the start; stops at the first entry that does not fit."""
    expected_prev, head_id, count, unkeyed = GENESIS_HASH, 0, 0, 0
    for entry in entries:
        count += 1
        if entry.prev_hash != expected_prev:
            return Verification(
                count,
                expected_prev,
                head_id,
                unkeyed,
                entry.id,
                "its prev_hash is not the hash of the entry before it "
                "(an entry before it was removed, inserted or changed)",
            )
        if not _keyed(key, entry):
            plain = plain_hash(
                entry.prev_hash, entry.at, entry.actor, entry.action, entry.subject, entry.details
            )
            if plain != entry.hash:
                problem = "its content does not match its hash (the entry was changed)"
            elif unkeyed + 1 < count:
                problem = (
                    "its hash is not keyed, after keyed entries: it was rewritten by "
                    "someone without the audit key (or the key is not this log's)"
                )
            else:
                problem = ""
                unkeyed += 1
            if problem:
                return Verification(count, expected_prev, head_id, unkeyed, entry.id, problem)
        expected_prev, head_id = entry.hash, entry.id
    if unkeyed and unkeyed == count:
        return Verification(
            count,
            expected_prev,
            head_id,
            unkeyed,
            head_id,
            "no entry is keyed: the log was written before the audit key existed and was "
            "never anchored (start the service once), or it was forged without the key",
        )
    return Verification(count, expected_prev, head_id, unkeyed)


def _keyed(key: AuditKey, entry: AuditEntry) -> bool:
    keyed = entry_hash(
        key, entry.prev_hash, entry.at, entry.actor, entry.action, entry.subject, entry.details
    )
    return hmac.compare_digest(keyed, entry.hash)


def read_entries(engine: Engine, table: Table, batch: int = 1000) -> Iterator[AuditEntry]:
    """Every entry in chain order, read in batches; reads only, never migrates."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(table).order_by(table.c.id).execution_options(yield_per=batch)
        )
        for row in rows:
            yield audit_entry(row)


def read_entry(engine: Engine, table: Table, entry_id: int) -> AuditEntry | None:
    """The entry with this id, None if the log has none."""
    with engine.connect() as connection:
        row = connection.execute(select(table).where(table.c.id == entry_id)).one_or_none()
    return None if row is None else audit_entry(row)


def audit_entry(row: Any) -> AuditEntry:
    """An entry from a row of an audit log table."""
    return AuditEntry(
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
