"""The store's foundation: the database, write turns, row lookups and the audit chain
that every mutation appends to in its own transaction."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from modmesh.decision.audit import GENESIS_HASH, AuditEntry, as_utc, entry_hash, read_entries
from modmesh.decision.domain import (
    Action,
    ActionType,
    Appeal,
    AppealStatus,
    Case,
    CaseStatus,
    DeliveryStatus,
    Evidence,
    Lease,
    Priority,
    RuleRef,
    Source,
)
from modmesh.decision.migrations import SCHEMA
from modmesh.decision.tables import (
    ActionRow,
    AppealRow,
    AuditRow,
    CaseRow,
    ReviewerRow,
)
from modmesh.runtime.blobs import Blob
from modmesh.runtime.database import open_engine
from modmesh.runtime.errors import FailedPrecondition, NotFound
from modmesh.runtime.migrations import migrate

#: Who the audit log names for what the service does by itself.
SYSTEM_ACTOR = "decision"


def utc_now() -> datetime:
    return datetime.now(UTC)


class StoreBase:
    """The decision service's database. Methods are blocking; call them off the event loop."""

    def __init__(self, url: str, clock: Callable[[], datetime] = utc_now) -> None:
        self._engine = open_engine(url)
        migrate(self._engine, SCHEMA)
        self._sessions = sessionmaker(self._engine, expire_on_commit=False)
        self._clock = clock
        # Mutations in this process take turns, so they never race for the audit chain's
        # head; the unique prev_hash still guards against writers in other processes.
        self._write_lock = threading.Lock()

    def close(self) -> None:
        self._engine.dispose()

    def audit_log(self) -> list[AuditEntry]:
        return list(read_entries(self._engine))

    def _now(self) -> datetime:
        return as_utc(self._clock())

    @contextmanager
    def _write(self) -> Iterator[Session]:
        with self._write_lock, self._sessions.begin() as session:
            yield session

    def _row(self, session: Session, case_id: str, lock: bool = False) -> CaseRow:
        query = cases_with_actions().where(CaseRow.id == case_id)
        if lock:
            # Writers of one case take turns (PostgreSQL row lock; SQLite locks the file).
            query = query.with_for_update(of=CaseRow)
        row = session.scalars(query).one_or_none()
        if row is None:
            raise NotFound(f"case {case_id!r} not found", field="case_id")
        return row

    def _reviewer_row(self, session: Session, reviewer_id: str) -> ReviewerRow:
        row = session.get(ReviewerRow, reviewer_id)
        if row is None:
            raise NotFound(
                f"reviewer {reviewer_id!r} is not registered; an admin adds reviewers first",
                field="reviewer_id",
            )
        return row

    def _processing_row(self, session: Session, case_id: str) -> CaseRow:
        row = self._row(session, case_id)
        if row.status != CaseStatus.PROCESSING.value:
            raise FailedPrecondition(f"case {case_id} is {row.status}, no longer PROCESSING")
        return row

    def _audit(
        self,
        session: Session,
        action: str,
        subject: str,
        details: dict[str, Any],
        actor: str = SYSTEM_ACTOR,
    ) -> None:
        head = session.scalars(select(AuditRow.hash).order_by(AuditRow.id.desc()).limit(1))
        prev_hash = head.first() or GENESIS_HASH
        at = self._now()
        session.add(
            AuditRow(
                at=at,
                actor=actor,
                action=action,
                subject=subject,
                details=details,
                prev_hash=prev_hash,
                hash=entry_hash(prev_hash, at, actor, action, subject, details),
            )
        )


def cases_with_actions() -> Any:
    return select(CaseRow).options(
        selectinload(CaseRow.actions).selectinload(ActionRow.deliveries),
        selectinload(CaseRow.appeals),
    )


def case_from_row(row: CaseRow) -> Case:
    return Case(
        case_id=row.id,
        status=CaseStatus(row.status),
        priority=None if row.priority is None else Priority(row.priority),
        media=Blob(row.media_sha256, row.media_uri, row.media_size, row.media_mime),
        source=Source(row.account_id, row.content_id, as_utc(row.capture_time)),
        evidence=None if row.evidence is None else Evidence.from_json(row.evidence),
        rule=None if row.rule_id is None else RuleRef(row.rule_id, row.rule_version or 0),
        statement=row.statement,
        error=row.error,
        created_at=as_utc(row.created_at),
        updated_at=as_utc(row.updated_at),
        due_at=None if row.due_at is None else as_utc(row.due_at),
        retro_of=row.retro_of,
        lease=None
        if row.lease_holder is None or row.lease_expires_at is None
        else Lease(row.lease_holder, as_utc(row.lease_expires_at)),
        actions=tuple(
            Action(
                a.id,
                ActionType(a.type),
                a.actor,
                a.reason,
                as_utc(a.created_at),
                _delivery_status(a),
            )
            for a in row.actions
        ),
        appeals=tuple(appeal_from_row(appeal) for appeal in row.appeals),
    )


def _delivery_status(action: ActionRow) -> DeliveryStatus | None:
    """The state of the action's latest delivery (a reversal follows its application)."""
    return DeliveryStatus(action.deliveries[-1].status) if action.deliveries else None


def appeal_from_row(row: AppealRow) -> Appeal:
    return Appeal(
        appeal_id=row.id,
        case_id=row.case_id,
        action_id=row.action_id,
        appellant=row.appellant,
        statement=row.statement,
        status=AppealStatus(row.status),
        created_at=as_utc(row.created_at),
        reviewer=row.reviewer or "",
        decision_reason=row.decision_reason,
        decided_at=None if row.decided_at is None else as_utc(row.decided_at),
    )


def new_case_row(status: CaseStatus, now: datetime, **fields: Any) -> CaseRow:
    """A case row as first stored: a new id, no statement, error or action yet."""
    return CaseRow(
        id=uuid.uuid4().hex,
        status=status.value,
        statement="",
        error="",
        created_at=now,
        updated_at=now,
        actions=[],
        **fields,
    )
