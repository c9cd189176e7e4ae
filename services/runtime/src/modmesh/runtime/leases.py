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

from sqlalchemy import ColumnElement, Select, and_, func, inspect, or_, select, true, update
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.orm.attributes import set_committed_value

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
        that other transactions are claiming; returns them, now held by `holder`. `query`
        selects rows of the leased table only, by conditions on that table."""
        now = database_now(session)
        candidates = list(
            session.scalars(
                query.where(self.free(now)).limit(limit).with_for_update(skip_locked=True)
            )
        )
        # The claim repeats the query's conditions: on SQLite another process may have
        # claimed, finished and released a candidate since it was read.
        still = (
            self.free(now) if query.whereclause is None else and_(self.free(now), query.whereclause)
        )
        claimed = [row for row in candidates if self._set_if(session, row, still, holder, now)]
        for row in claimed:
            session.refresh(row)  # as it is now, not as it was read
        return claimed

    def take(self, session: Session, row: object, holder: str) -> bool:
        """Claims (or renews) one row; returns False, changing nothing, while another
        holder's lease on it runs."""
        return self._hold(session, row, holder, database_now(session), free=True)

    def seize(self, session: Session, row: object, holder: str) -> None:
        """Takes one row over whoever holds it: for work whose newest claimant is known to
        be the rightful one (a client resuming its own live stream after its old
        connection died unseen). The old holder's next renewal raises LeaseLost."""
        self._set_if(session, row, true(), holder, database_now(session))

    def renew(self, session: Session, row: object, holder: str) -> None:
        """Extends `holder`'s lease on a row; raises LeaseLost if it is no longer theirs
        (another holder took it over after it expired, or it was released)."""
        if not self._hold(session, row, holder, database_now(session), free=False):
            raise LeaseLost(f"the lease of {holder} passed to {getattr(row, self.holder.key)}")

    def release(self, session: Session, row: object, holder: str) -> None:
        """Frees a row `holder` holds (nothing if another holder has it now)."""
        self._set(session, row, self.holder == holder, None, None)

    def _hold(self, session: Session, row: object, holder: str, now: datetime, free: bool) -> bool:
        """Holds the row for `holder` if it is free (or theirs), or with `free` False only
        if it is theirs; returns whether it did."""
        condition = self.free(now, holder) if free else self.holder == holder
        return self._set_if(session, row, condition, holder, now)

    def _set_if(
        self,
        session: Session,
        row: object,
        condition: ColumnElement[bool],
        holder: str,
        now: datetime,
    ) -> bool:
        return self._set(session, row, condition, holder, now + timedelta(seconds=self.seconds))

    def _set(
        self,
        session: Session,
        row: object,
        condition: ColumnElement[bool],
        holder: str | None,
        expires: datetime | None,
    ) -> bool:
        # A conditional UPDATE, not a read then a write: SQLite, which has no row locks,
        # evaluates the condition under its write lock, so two claimers never both win.
        mapper = inspect(type(row))
        key = zip(mapper.primary_key, mapper.primary_key_from_instance(row), strict=True)
        statement = (
            update(type(row))
            .where(*(column == value for column, value in key))
            .where(condition)
            .values({self.holder.key: holder, self.expires_at.key: expires})
            .execution_options(synchronize_session=False)
        )
        result = session.execute(statement)
        if result.rowcount != 1:  # type: ignore[attr-defined]
            session.refresh(row)  # what the row holds now, for the caller's message
            return False
        set_committed_value(row, self.holder.key, holder)
        set_committed_value(row, self.expires_at.key, expires)
        return True
