"""The live wall: the streams being moderated now, those that ended a short while ago,
and the flags raised since a poller's cursor.

The cursor is a flag id: flags are numbered across all streams in the order they were
stored (`number_flags`), so one number says what a poller has seen of every stream, and
a flag stored later always has a higher one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from modmesh.decision.audit import as_utc
from modmesh.decision.domain import LiveFlag
from modmesh.decision.store import StoreBase
from modmesh.decision.stored import term_hit_from_json, words_from_json
from modmesh.decision.tables import LiveFlagRow, LiveStreamRow
from modmesh.decision.tenancy import where_stream_admitted
from modmesh.runtime.tenancy import UNRESTRICTED, CaseScope


@dataclass(frozen=True)
class WallStream:
    """A stream as the live wall shows it."""

    stream_id: str
    account_id: str
    start_time: datetime
    moderated_seconds: float
    #: The stream's case, once a rule has queued or acted on its evidence.
    case_id: str | None
    #: Flags raised in all.
    flag_count: int
    #: None while it is on air.
    ended_at: datetime | None
    #: Whether a call moderates the stream now.
    connected: bool


@dataclass(frozen=True)
class WallFlag:
    flag_id: int
    stream_id: str
    flagged_at: datetime
    flag: LiveFlag


@dataclass(frozen=True)
class LiveWall:
    #: On air first, then ended; each group the latest started first.
    streams: tuple[WallStream, ...]
    #: Streams to list in all (more than `streams` past the limit).
    total_streams: int
    #: The flags after the cursor, in flag id order.
    flags: tuple[WallFlag, ...]
    #: The cursor of the next poll: the last flag's id, or the one asked with.
    next_after_flag_id: int


class LiveWallStore(Protocol):
    """What the live wall reads. Blocking; call it off the event loop."""

    def live_wall(
        self,
        after_flag_id: int,
        ended_within: timedelta,
        limit: int,
        flag_limit: int,
        scope: CaseScope = UNRESTRICTED,
    ) -> LiveWall: ...


def number_flags(session: Session, added: Sequence[LiveFlagRow]) -> None:
    """Gives the flags `added` (not yet in the session, so that no flush stores them
    unnumbered first) the next flag ids, after any flag an earlier release stored without
    one. Decision's writers take turns on the audit chain (StoreBase._write), so ids grow
    in commit order: a poller past flag n never sees a lower one appear later."""
    last = session.scalar(select(func.max(LiveFlagRow.flag_id))) or 0
    unnumbered = session.scalars(
        select(LiveFlagRow)
        .where(LiveFlagRow.flag_id.is_(None))
        .order_by(LiveFlagRow.created_at, LiveFlagRow.stream_id, LiveFlagRow.sequence)
    )
    for row in (*unnumbered, *added):
        last += 1
        row.flag_id = last


class SqlLiveWall(StoreBase):
    def live_wall(
        self,
        after_flag_id: int,
        ended_within: timedelta,
        limit: int,
        flag_limit: int,
        scope: CaseScope = UNRESTRICTED,
    ) -> LiveWall:
        """The streams on air and those that ended within `ended_within`, that `scope`
        admits (at most `limit`), and at most `flag_limit` of their flags after
        `after_flag_id`: of every such stream, listed or past the limit, so that the
        cursor never passes a flag the poller was not shown."""
        now = self._now()
        shown = and_(
            or_(LiveStreamRow.ended_at.is_(None), LiveStreamRow.ended_at >= now - ended_within),
            where_stream_admitted(scope),
        )
        streams = (
            select(LiveStreamRow)
            .where(shown)
            .order_by(
                LiveStreamRow.ended_at.is_not(None),
                LiveStreamRow.start_time.desc(),
                LiveStreamRow.stream_id,
            )
            .limit(limit)
        )
        flags = (
            select(LiveFlagRow, LiveStreamRow.case_id)
            .join(LiveStreamRow, LiveStreamRow.stream_id == LiveFlagRow.stream_id)
            .where(shown, LiveFlagRow.flag_id > after_flag_id)
            .order_by(LiveFlagRow.flag_id)
            .limit(flag_limit)
        )
        with self._sessions() as session:
            listed = tuple(_wall_stream(row, now) for row in session.scalars(streams))
            total = session.scalar(select(func.count()).select_from(LiveStreamRow).where(shown))
            raised = tuple(
                # flag_id is set: the query reads numbered flags only.
                WallFlag(f.flag_id or 0, f.stream_id, as_utc(f.created_at), _live_flag(f, case_id))
                for f, case_id in session.execute(flags)
            )
        last = raised[-1].flag_id if raised else after_flag_id
        return LiveWall(listed, total or 0, raised, last)

    def stream_flags(self, stream_id: str) -> list[LiveFlag]:
        """The flags a stream raised, in order."""
        query = (
            select(LiveFlagRow, LiveStreamRow.case_id)
            .join(LiveStreamRow, LiveStreamRow.stream_id == LiveFlagRow.stream_id)
            .where(LiveFlagRow.stream_id == stream_id)
            .order_by(LiveFlagRow.sequence)
        )
        with self._sessions() as session:
            return [_live_flag(f, case_id) for f, case_id in session.execute(query)]


def _live_flag(row: LiveFlagRow, case_id: str | None) -> LiveFlag:
    return LiveFlag(
        row.sequence, term_hit_from_json(row.hit), words_from_json(row.context), case_id
    )


def _wall_stream(row: LiveStreamRow, now: datetime) -> WallStream:
    expires = row.lease_expires_at
    # An ended stream's call may not have given the lease back yet: it is over anyway.
    held = row.lease_holder is not None and expires is not None and as_utc(expires) > now
    return WallStream(
        stream_id=row.stream_id,
        account_id=row.account_id,
        start_time=as_utc(row.start_time),
        moderated_seconds=row.moderated_seconds,
        case_id=row.case_id,
        flag_count=row.last_flag_sequence,
        ended_at=None if row.ended_at is None else as_utc(row.ended_at),
        connected=held and row.ended_at is None,
    )
