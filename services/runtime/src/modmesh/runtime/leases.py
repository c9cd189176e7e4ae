"""Work leases: a row of work (an outbox delivery, a backfill slice, a live stream...)
belongs to one replica at a time, claimed in the database that holds it.

A table that leases its rows has a holder column and an expiry column; `Lease` names
them and says how long a claim lasts. A claim, renewal or release is a write in the
caller's transaction, so the work's state and its lease change together.

Two rules make this safe with many replicas:

- Time is the database's: on PostgreSQL every expiry is computed from `now()` (the
  transaction's start on the server), so replicas whose clocks disagree by seconds still
  agree who holds what. SQLite is the single-process default; there the process's clock
  *is* the only clock.
- Claims skip rows another transaction is claiming (`FOR UPDATE SKIP LOCKED` on
  PostgreSQL) instead of waiting for them, so replicas polling the same table each take
  different rows. SQLite ignores the clause and serialises writers on its file lock.

A holder that dies simply stops renewing: at expiry its rows are free again and the next
claim by any replica takes them over. Holders are opaque strings; `replica_id()` names
this process, and a caller that holds several things at once (a live call) may add a
suffix of its own.
"""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

R = TypeVar("R")


@cache
def replica_id() -> str:
    """This process's name as a lease holder: host, pid and a random part (a restarted
    process with a recycled pid is another holder)."""
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"


def database_now(session: Session) -> datetime:
    """The database's clock (UTC): PostgreSQL's `now()`, or this process's on SQLite."""
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        now: datetime = session.execute(select(func.now())).scalar_one()
        return now.astimezone(UTC)
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    # SQLite hands back naive datetimes for what was stored as UTC.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class LeaseLost(Exception):
    """The holder's lease ended (expired and taken over, or released): its work must stop
    without writing, since another holder now does it."""


@dataclass(frozen=True)
class Lease:
    """How one table leases its rows: its holder and expiry columns, and how long a claim
    lasts unless renewed."""

    holder: InstrumentedAttribute[Any]
    expires_at: InstrumentedAttribute[Any]
    seconds: float

    def free(self, now: datetime, holder: str | None = None) -> ColumnElement[bool]:
        """Rows nobody holds, whose lease expired, or (given) that `holder` holds."""
        free = [self.holder.is_(None), self.expires_at.is_(None), self.expires_at <= now]
        if holder is not None:
            free.append(self.holder == holder)
        return or_(*free)

    def claim(self, session: Session, query: Select[R], holder: str, limit: int) -> list[R]:
        """Claims up to `limit` of the rows `query` selects that are free, skipping rows
        that other transactions are claiming; returns them, now held by `holder`."""
        now = database_now(session)
        rows = list(
            session.scalars(
                query.where(self.free(now)).limit(limit).with_for_update(skip_locked=True)
            )
        )
        for row in rows:
            self._hold(row, holder, now)
        return rows

    def take(self, session: Session, row: object, holder: str) -> bool:
        """Claims (or renews) one row the caller has locked (`with_for_update`); returns
        False, changing nothing, while another holder's lease on it runs."""
        now = database_now(session)
        if not self.held_by_other(row, holder, now):
            self._hold(row, holder, now)
            return True
        return False

    def renew(self, session: Session, row: object, holder: str) -> None:
        """Extends `holder`'s lease on a locked row; raises LeaseLost if it is no longer
        theirs (another replica took it over after it expired, or it was released)."""
        if getattr(row, self.holder.key) != holder:
            raise LeaseLost(f"the lease passed from {holder} to {getattr(row, self.holder.key)}")
        self._hold(row, holder, database_now(session))

    def release(self, row: object, holder: str) -> None:
        """Frees a locked row `holder` holds (nothing if another holder has it now)."""
        if getattr(row, self.holder.key) == holder:
            setattr(row, self.holder.key, None)
            setattr(row, self.expires_at.key, None)

    def held_by_other(self, row: object, holder: str, now: datetime) -> bool:
        current = getattr(row, self.holder.key)
        expires = getattr(row, self.expires_at.key)
        return (
            current is not None
            and current != holder
            and expires is not None
            and as_utc(expires) > now
        )

    def until(self, row: object) -> datetime | None:
        expires = getattr(row, self.expires_at.key)
        return None if expires is None else as_utc(expires)

    def _hold(self, row: object, holder: str, now: datetime) -> None:
        setattr(row, self.holder.key, holder)
        setattr(row, self.expires_at.key, now + timedelta(seconds=self.seconds))
