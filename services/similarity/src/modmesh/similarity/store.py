"""Durable storage of banks, known items and their hashes (SQLAlchemy: SQLite or PostgreSQL).

The store is the source of truth and the durable log of additions: an item is committed
here, with all its hashes (and stills) in one transaction, before the index hears of it,
so a crash at any point loses nothing acknowledged; on start each bank's index is brought
level with the store (`BankIndexes.sync`). Removing an item deletes its rows and appends its
seq to the bank's removal log; the index hides it with a tombstone until its next rebuild.

Replicas follow a bank by its `Mark`: the last item seq and removal id they have seen.
Writes to one bank are serialized on its row (FOR UPDATE; SQLite serializes all writes),
so seqs and removal ids become visible in increasing order and reading past a mark never
skips a write that commits later.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

import numpy as np
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from modmesh.runtime import audit
from modmesh.runtime.audit import AuditKey
from modmesh.runtime.database import open_engine
from modmesh.runtime.errors import AlreadyExists
from modmesh.runtime.migrations import migrate
from modmesh.similarity.audio import Fingerprint
from modmesh.similarity.domain import (
    Bank,
    Changes,
    ItemSummary,
    Mark,
    Still,
    StoredItem,
    already_exists,
    unknown_bank,
    unknown_item,
)
from modmesh.similarity.hashing import HASH_BYTES, LEGACY_HASHER, HashRun
from modmesh.similarity.migrations import SCHEMA
from modmesh.similarity.tables import (
    AUDIO,
    AUDIT_TABLE,
    BANKS,
    HASHES,
    ITEMS,
    REMOVALS,
    STILLS,
    bank_of,
    bank_row,
    item_row,
    source,
    summary,
)


class SimilarityStore(Protocol):
    def create_bank(self, bank: Bank, *, actor: str) -> None:
        """Raises AlreadyExists for a taken name. Every change is audited with its actor."""

    def bank(self, name: str) -> Bank | None: ...

    def banks(self) -> list[tuple[Bank, int, int]]:
        """Every bank with its number of items and of stale items (hashed before the
        reference-exact PDQ), by name."""

    def bank_settings(self) -> list[Bank]:
        """Every bank, by name, without counting items (cheap at any size)."""

    def add_item(self, item: StoredItem, *, actor: str) -> int:
        """Stores the item with all its runs; returns its sequence number (its index owner).
        Raises AlreadyExists for a taken (bank, item_id), NotFound for an unknown bank."""

    def remove_item(self, bank: str, item_id: str, *, actor: str) -> int:
        """Deletes the item; returns its sequence number. NotFound if it is not there."""

    def contains(self, bank: str, item_id: str) -> bool: ...

    def item_seqs(self, bank: str, kind: str = "pdq") -> np.ndarray:
        """Sequence numbers of the bank's items of one kind (int64, ascending)."""

    def mark(self, bank: str) -> Mark:
        """The bank's latest item seq and removal id now."""

    def changes(self, bank: str, since: Mark) -> Changes:
        """Items added (and still there) and items removed after `since`."""

    def audio_prints(self, seqs: Sequence[int]) -> dict[int, Fingerprint]: ...

    def hashes(self, bank: str, seqs: Sequence[int] | None = None) -> tuple[np.ndarray, ...]:
        """(owner seq per run int64, position per run int64, packed hashes uint8 [n, 32])
        of the bank's items, or of those in `seqs`; ordered by seq and position."""

    def summaries(self, seqs: Sequence[int]) -> dict[int, ItemSummary]: ...

    def items(self, bank: str) -> Iterator[StoredItem]:
        """Every PDQ item of the bank with its runs, in the order added (for export)."""

    def nearest_still(self, bank: str, item_id: str, seconds: float) -> Still | None:
        """The item's still nearest `seconds` (the earlier of two as near); None if it has
        none. NotFound if the item is not in the bank."""

    def close(self) -> None: ...


class SqlSimilarityStore:
    def __init__(self, url: str, *, audit_key: AuditKey) -> None:
        self._engine = open_engine(url)
        migrate(self._engine, SCHEMA)
        self._audit_key = audit_key
        with self._engine.begin() as connection:
            audit.anchor(connection, AUDIT_TABLE, audit_key, datetime.now(UTC), "similarity")

    def _audit(
        self, connection: sa.Connection, actor: str, action: str, bank: str, **details: Any
    ) -> None:
        at = datetime.now(UTC)
        subject = f"banks/{bank}"
        audit.append(connection, AUDIT_TABLE, self._audit_key, at, actor, action, subject, details)

    def create_bank(self, bank: Bank, *, actor: str) -> None:
        try:
            with self._engine.begin() as connection:
                row = bank_row(bank)
                connection.execute(BANKS.insert().values(row))
                settings = {k: v for k, v in row.items() if k not in ("name", "description")}
                self._audit(connection, actor, "bank.created", bank.name, **settings)
        except IntegrityError:
            raise AlreadyExists(f"bank {bank.name!r} already exists", field="bank") from None

    def bank(self, name: str) -> Bank | None:
        with self._engine.connect() as connection:
            row = connection.execute(sa.select(BANKS).where(BANKS.c.name == name)).first()
        return None if row is None else bank_of(row)

    def bank_settings(self) -> list[Bank]:
        with self._engine.connect() as connection:
            rows = connection.execute(sa.select(BANKS).order_by(BANKS.c.name))
            return [bank_of(row) for row in rows]

    def banks(self) -> list[tuple[Bank, int, int]]:
        legacy = sa.and_(ITEMS.c.kind == "pdq", ITEMS.c.hasher == LEGACY_HASHER)
        stale = sa.func.sum(sa.case((legacy, 1), else_=0))
        count = sa.select(ITEMS.c.bank, sa.func.count().label("n"), stale.label("stale"))
        counts = count.group_by(ITEMS.c.bank).subquery()
        query = (
            sa.select(BANKS, counts.c.n, counts.c.stale)
            .outerjoin(counts, counts.c.bank == BANKS.c.name)
            .order_by(BANKS.c.name)
        )
        with self._engine.connect() as connection:
            rows = connection.execute(query)
            return [(bank_of(row), int(row.n or 0), int(row.stale or 0)) for row in rows]

    def add_item(self, item: StoredItem, *, actor: str) -> int:
        # One transaction: an item is stored with all its hashes and its audit entry, or
        # not at all.
        try:
            with self._engine.begin() as connection:
                if not _lock_bank(connection, item.bank):
                    raise unknown_bank(item.bank, "bank")
                seq = int(
                    connection.execute(
                        ITEMS.insert().values(item_row(item)).returning(ITEMS.c.seq)
                    ).scalar_one()
                )
                self._audit(
                    connection,
                    actor,
                    "item.added",
                    item.bank,
                    item_id=item.item_id,
                    label=item.label,
                    kind=item.kind,
                    hashes=len(item.runs),
                )
                if item.audio is not None:
                    connection.execute(
                        AUDIO.insert().values(item_seq=seq, fingerprint=item.audio.to_bytes())
                    )
                    return seq
                connection.execute(
                    HASHES.insert(),
                    [
                        {
                            "item_seq": seq,
                            "position": position,
                            "start_seconds": run.start_seconds,
                            "end_seconds": run.end_seconds,
                            "quality": run.quality,
                            "pdq": run.pdq,
                        }
                        for position, run in enumerate(item.runs)
                    ],
                )
                if item.stills:
                    connection.execute(
                        STILLS.insert(),
                        [
                            {"item_seq": seq, "position": n, "seconds": s.seconds, "jpeg": s.jpeg}
                            for n, s in enumerate(item.stills)
                        ],
                    )
        except IntegrityError:
            raise already_exists(item.bank, item.item_id) from None
        return seq

    def remove_item(self, bank: str, item_id: str, *, actor: str) -> int:
        with self._engine.begin() as connection:
            _lock_bank(connection, bank)
            seq = connection.execute(
                sa.select(ITEMS.c.seq).where(ITEMS.c.bank == bank, ITEMS.c.item_id == item_id)
            ).scalar()
            if seq is None:
                raise unknown_item(bank, item_id)
            connection.execute(HASHES.delete().where(HASHES.c.item_seq == seq))
            connection.execute(AUDIO.delete().where(AUDIO.c.item_seq == seq))
            connection.execute(STILLS.delete().where(STILLS.c.item_seq == seq))
            connection.execute(ITEMS.delete().where(ITEMS.c.seq == seq))
            connection.execute(REMOVALS.insert().values(bank=bank, item_seq=seq))
            self._audit(connection, actor, "item.removed", bank, item_id=item_id)
        return int(seq)

    def contains(self, bank: str, item_id: str) -> bool:
        query = sa.select(ITEMS.c.seq).where(ITEMS.c.bank == bank, ITEMS.c.item_id == item_id)
        with self._engine.connect() as connection:
            return connection.execute(query).first() is not None

    def item_seqs(self, bank: str, kind: str = "pdq") -> np.ndarray:
        query = (
            sa.select(ITEMS.c.seq)
            .where(ITEMS.c.bank == bank, ITEMS.c.kind == kind)
            .order_by(ITEMS.c.seq)
        )
        with self._engine.connect() as connection:
            return np.fromiter(connection.execute(query).scalars(), np.int64)

    def mark(self, bank: str) -> Mark:
        with self._engine.connect() as connection:
            item_seq = connection.execute(
                sa.select(sa.func.max(ITEMS.c.seq)).where(ITEMS.c.bank == bank)
            ).scalar()
            removal_id = connection.execute(
                sa.select(sa.func.max(REMOVALS.c.id)).where(REMOVALS.c.bank == bank)
            ).scalar()
        return Mark(item_seq or 0, removal_id or 0)

    def changes(self, bank: str, since: Mark) -> Changes:
        added: dict[str, list[int]] = {}
        with self._engine.connect() as connection:
            items = connection.execute(
                sa.select(ITEMS.c.seq, ITEMS.c.kind)
                .where(ITEMS.c.bank == bank, ITEMS.c.seq > since.item_seq)
                .order_by(ITEMS.c.seq)
            ).all()
            removals = connection.execute(
                sa.select(REMOVALS.c.id, REMOVALS.c.item_seq)
                .where(REMOVALS.c.bank == bank, REMOVALS.c.id > since.removal_id)
                .order_by(REMOVALS.c.id)
            ).all()
        for row in items:
            added.setdefault(row.kind, []).append(row.seq)
        mark = Mark(
            items[-1].seq if items else since.item_seq,
            removals[-1].id if removals else since.removal_id,
        )
        return Changes(added, [row.item_seq for row in removals], mark)

    def audio_prints(self, seqs: Sequence[int]) -> dict[int, Fingerprint]:
        query = sa.select(AUDIO.c.item_seq, AUDIO.c.fingerprint)
        with self._engine.connect() as connection:
            return {
                row.item_seq: Fingerprint.from_bytes(row.fingerprint)
                for chunk in _chunks(seqs)
                for row in connection.execute(query.where(AUDIO.c.item_seq.in_(chunk)))
            }

    def hashes(self, bank: str, seqs: Sequence[int] | None = None) -> tuple[np.ndarray, ...]:
        query = (
            sa.select(HASHES.c.item_seq, HASHES.c.position, HASHES.c.pdq)
            .join(ITEMS, ITEMS.c.seq == HASHES.c.item_seq)
            .where(ITEMS.c.bank == bank)
            .order_by(HASHES.c.item_seq, HASHES.c.position)
        )
        with self._engine.connect() as connection:
            if seqs is None:
                rows = connection.execute(query).all()
            else:
                rows = [
                    row
                    for chunk in _chunks(seqs)
                    for row in connection.execute(query.where(HASHES.c.item_seq.in_(chunk)))
                ]
        owners = np.fromiter((row.item_seq for row in rows), np.int64, len(rows))
        positions = np.fromiter((row.position for row in rows), np.int64, len(rows))
        packed = np.frombuffer(b"".join(row.pdq for row in rows), np.uint8)
        return owners, positions, packed.reshape(-1, HASH_BYTES)

    def summaries(self, seqs: Sequence[int]) -> dict[int, ItemSummary]:
        if not seqs:
            return {}
        with self._engine.connect() as connection:
            items = connection.execute(sa.select(ITEMS).where(ITEMS.c.seq.in_(seqs))).all()
            spans = connection.execute(
                sa.select(HASHES.c.item_seq, HASHES.c.start_seconds, HASHES.c.end_seconds)
                .where(HASHES.c.item_seq.in_(seqs))
                .order_by(HASHES.c.item_seq, HASHES.c.position)
            ).all()
        by_item: dict[int, list[tuple[float, float]]] = {}
        for row in spans:
            by_item.setdefault(row.item_seq, []).append((row.start_seconds, row.end_seconds))
        return {row.seq: summary(row, by_item.get(row.seq, [])) for row in items}

    def items(self, bank: str) -> Iterator[StoredItem]:
        with self._engine.connect() as connection:
            items = connection.execute(
                sa.select(ITEMS)
                .where(ITEMS.c.bank == bank, ITEMS.c.kind == "pdq")
                .order_by(ITEMS.c.seq)
            ).all()
            for item in items:
                runs = connection.execute(
                    sa.select(HASHES)
                    .where(HASHES.c.item_seq == item.seq)
                    .order_by(HASHES.c.position)
                ).all()
                yield StoredItem(
                    item.bank,
                    item.item_id,
                    item.label,
                    tuple(
                        HashRun(run.pdq, run.start_seconds, run.end_seconds, run.quality)
                        for run in runs
                    ),
                    hasher=item.hasher,
                    source=source(item),
                )

    def nearest_still(self, bank: str, item_id: str, seconds: float) -> Still | None:
        item = sa.select(ITEMS.c.seq).where(ITEMS.c.bank == bank, ITEMS.c.item_id == item_id)
        nearest = (
            sa.select(STILLS.c.seconds, STILLS.c.jpeg)
            .order_by(sa.func.abs(STILLS.c.seconds - seconds), STILLS.c.seconds)
            .limit(1)
        )
        with self._engine.connect() as connection:
            seq = connection.execute(item).scalar()
            if seq is None:
                raise unknown_item(bank, item_id)
            row = connection.execute(nearest.where(STILLS.c.item_seq == seq)).first()
        return None if row is None else Still(row.seconds, row.jpeg)

    def close(self) -> None:
        self._engine.dispose()


def _lock_bank(connection: sa.Connection, bank: str) -> bool:
    """Takes the bank's row lock until the transaction ends (see the module's note on
    marks); False if there is no such bank."""
    query = sa.select(BANKS.c.name).where(BANKS.c.name == bank).with_for_update()
    return connection.execute(query).first() is not None


def _chunks(values: Sequence[int], size: int = 10_000) -> Iterator[list[int]]:
    """Bounded IN lists: SQLite caps the number of bound parameters per statement."""
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]
