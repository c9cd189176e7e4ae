"""Cases, reviewer actions and a hash-chained audit log in one SQL database.

SQLite by default, PostgreSQL by URL: the schema uses only portable types and is built
and upgraded by the Alembic migrations in `modmesh.decision.migrations` (the models here
must match them; a test compares the two). Every mutation appends its audit entry in the
same transaction, so the log cannot miss a change that was committed nor record one that
was not.
"""

from __future__ import annotations

import hashlib
import json
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    select,
)
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    mapped_column,
    relationship,
    selectinload,
    sessionmaker,
)

from modmesh.decision import migrations
from modmesh.decision.domain import (
    Action,
    ActionType,
    Case,
    CaseStatus,
    Evidence,
    Priority,
    RuleRef,
    Source,
)
from modmesh.decision.rules import (
    DEFAULT_DOCUMENT,
    DEFAULT_RULE_SET,
    Decision,
    Facts,
    RuleSet,
    parse_rule_set,
)
from modmesh.runtime.blobs import Blob
from modmesh.runtime.database import open_engine
from modmesh.runtime.errors import FailedPrecondition, NotFound

#: The predecessor of the first audit entry.
GENESIS_HASH = "0" * 64
#: Who the audit log names for what the service does by itself.
SYSTEM_ACTOR = "decision"


def utc_now() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """The tables the migrations create, as the store reads and writes them."""


class _CaseRow(Base):
    __tablename__ = "cases"
    __table_args__ = (
        # The same media from the same source is one case: re-submissions find it.
        UniqueConstraint("media_sha256", "account_id", "content_id", name="uq_cases_submission"),
        # The review queue reads OPEN cases by priority, then age.
        Index("ix_cases_queue", "status", "priority", "created_at"),
        # Dry runs and retroactive scans read cases by age.
        Index("ix_cases_created_at", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    priority: Mapped[int | None] = mapped_column(Integer)
    media_sha256: Mapped[str] = mapped_column(String(64))
    media_uri: Mapped[str] = mapped_column(Text)
    media_size: Mapped[int] = mapped_column(BigInteger)
    media_mime: Mapped[str] = mapped_column(String(255))
    account_id: Mapped[str] = mapped_column(String(255))
    content_id: Mapped[str] = mapped_column(String(255))
    capture_time: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    evidence: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    rule_id: Mapped[str | None] = mapped_column(String(255))
    rule_version: Mapped[int | None] = mapped_column(BigInteger)
    statement: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    actions: Mapped[list[_ActionRow]] = relationship(order_by="_ActionRow.created_at")


class _ActionRow(Base):
    __tablename__ = "actions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    type: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(255))
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class _RuleSetRow(Base):
    __tablename__ = "rule_sets"

    version: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: The text as the operator uploaded it (YAML or JSON), comments and all.
    source: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(255))
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class _AccountRow(Base):
    __tablename__ = "accounts"

    account_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    flags: Mapped[list[str]] = mapped_column(JSON)
    protected: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class _AuditRow(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(255))
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Unique, so that two writers racing for the same predecessor cannot fork the chain:
    # the database refuses the second one instead.
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)


@dataclass(frozen=True)
class PublishedRuleSet:
    """A rule set with who published it, when and why (the default has no publisher)."""

    rule_set: RuleSet
    source: str
    actor: str
    reason: str
    created_at: datetime | None


DEFAULT_PUBLISHED = PublishedRuleSet(
    DEFAULT_RULE_SET,
    json.dumps(DEFAULT_DOCUMENT, indent=2),
    "modmesh",
    "the built-in default, in force until an operator publishes rules",
    None,
)


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
            "at": _as_utc(at).isoformat(),
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


class CaseStore:
    """The decision service's database. Methods are blocking; call them off the event loop."""

    def __init__(self, url: str, clock: Callable[[], datetime] = utc_now) -> None:
        self._engine = open_engine(url)
        migrations.upgrade(self._engine)
        self._sessions = sessionmaker(self._engine, expire_on_commit=False)
        self._clock = clock
        # Mutations in this process take turns, so they never race for the audit chain's
        # head; the unique prev_hash still guards against writers in other processes.
        self._write_lock = threading.Lock()

    def close(self) -> None:
        self._engine.dispose()

    def submit(self, media: Blob, source: Source) -> tuple[Case, bool]:
        """Stores a new PROCESSING case, or finds the one for the same submission.

        Returns the case and whether it was created now.
        """
        with self._write() as session:
            existing = session.scalars(
                _with_actions().where(
                    _CaseRow.media_sha256 == media.sha256,
                    _CaseRow.account_id == source.account_id,
                    _CaseRow.content_id == source.content_id,
                )
            ).one_or_none()
            if existing is not None:
                return _case(existing), False
            now = self._now()
            row = _CaseRow(
                id=uuid.uuid4().hex,
                status=CaseStatus.PROCESSING.value,
                priority=None,
                media_sha256=media.sha256,
                media_uri=media.uri,
                media_size=media.size_bytes,
                media_mime=media.mime_type,
                account_id=source.account_id,
                content_id=source.content_id,
                capture_time=_as_utc(source.capture_time),
                evidence=None,
                statement="",
                error="",
                created_at=now,
                updated_at=now,
                actions=[],
            )
            session.add(row)
            self._audit(
                session,
                "case.submitted",
                row.id,
                {
                    "media_sha256": media.sha256,
                    "account_id": source.account_id,
                    "content_id": source.content_id,
                    "capture_time": _as_utc(source.capture_time).isoformat(),
                },
            )
            return _case(row), True

    def get(self, case_id: str) -> Case:
        with self._sessions() as session:
            return _case(self._row(session, case_id))

    def list_cases(self, status: CaseStatus | None, limit: int) -> list[Case]:
        """OPEN cases as the review queue (most urgent, then oldest first); others newest first."""
        query = _with_actions()
        if status is not None:
            query = query.where(_CaseRow.status == status.value)
        if status is CaseStatus.OPEN:
            query = query.order_by(
                _CaseRow.priority.desc(), _CaseRow.created_at.asc(), _CaseRow.id.asc()
            )
        else:
            query = query.order_by(_CaseRow.created_at.desc(), _CaseRow.id.desc())
        with self._sessions() as session:
            return [_case(row) for row in session.scalars(query.limit(limit))]

    def processing_ids(self) -> list[str]:
        """Cases whose analysis has not finished, oldest first: the work to resume."""
        query = (
            select(_CaseRow.id)
            .where(_CaseRow.status == CaseStatus.PROCESSING.value)
            .order_by(_CaseRow.created_at.asc())
        )
        with self._sessions() as session:
            return list(session.scalars(query))

    def record_outcome(self, case_id: str, evidence: Evidence, decision: Decision) -> Case:
        """Stores what the rules decided; a rule that acts by itself has its action
        recorded here too, in the same transaction, under the rule's name."""
        outcome = decision.outcome
        with self._write() as session:
            row = self._processing_row(session, case_id)
            now = self._now()
            row.status = outcome.status.value
            row.priority = None if outcome.priority is None else int(outcome.priority)
            row.evidence = evidence.to_json()
            row.rule_id = outcome.rule.rule_id
            row.rule_version = outcome.rule.version
            row.statement = outcome.statement
            row.updated_at = now
            if decision.sla_hours is not None:
                row.due_at = now + timedelta(hours=decision.sla_hours)
            self._audit(
                session,
                "case.evidence_recorded",
                case_id,
                {
                    "status": outcome.status.value,
                    "priority": None if outcome.priority is None else outcome.priority.name,
                    "rule": {"id": outcome.rule.rule_id, "version": outcome.rule.version},
                    "term_hits": len(evidence.term_hits),
                    "similarity_matches": len(evidence.similarity_matches),
                },
            )
            if decision.auto_action is not None:
                actor = f"rule:{outcome.rule.rule_id}@v{outcome.rule.version}"
                self._add_action(session, row, decision.auto_action, actor, decision.policy)
            return _case(row)

    def record_failure(self, case_id: str, error: str) -> Case:
        with self._write() as session:
            row = self._processing_row(session, case_id)
            row.status = CaseStatus.FAILED.value
            row.error = error
            row.updated_at = self._now()
            self._audit(session, "case.failed", case_id, {"error": error})
            return _case(row)

    def record_action(self, case_id: str, action_type: ActionType, actor: str, reason: str) -> Case:
        """Records a reviewer's decision on an OPEN case: ESCALATE keeps it open as
        URGENT, any other decision closes it."""
        with self._write() as session:
            row = self._row(session, case_id)
            if row.status != CaseStatus.OPEN.value:
                raise FailedPrecondition(
                    f"case {case_id} is {row.status}; only OPEN cases take actions"
                )
            self._add_action(session, row, action_type, actor, reason)
            return _case(row)

    def _add_action(
        self, session: Session, row: _CaseRow, action_type: ActionType, actor: str, reason: str
    ) -> None:
        now = self._now()
        action = _ActionRow(
            id=uuid.uuid4().hex,
            case_id=row.id,
            type=action_type.value,
            actor=actor,
            reason=reason,
            created_at=now,
        )
        row.actions.append(action)
        if action_type is ActionType.ESCALATE:
            row.priority = int(Priority.URGENT)
        else:
            row.status = CaseStatus.CLOSED.value
        row.updated_at = now
        self._audit(
            session,
            "action.recorded",
            row.id,
            {
                "action_id": action.id,
                "type": action_type.value,
                "reason": reason,
                "status": row.status,
            },
            actor=actor,
        )

    # ------------------------------------------------------------------------- rules

    def active_rules(self) -> PublishedRuleSet:
        """The newest published rule set, or the built-in default before any."""
        with self._sessions() as session:
            row = session.scalars(
                select(_RuleSetRow).order_by(_RuleSetRow.version.desc()).limit(1)
            ).first()
            return DEFAULT_PUBLISHED if row is None else _published(row)

    def rules(self, version: int) -> PublishedRuleSet:
        if version == DEFAULT_RULE_SET.version:
            return DEFAULT_PUBLISHED
        with self._sessions() as session:
            row = session.get(_RuleSetRow, version)
            if row is None:
                raise NotFound(f"rule set version {version} not found", field="version")
            return _published(row)

    def publish_rules(
        self, document: dict[str, Any], source: str, actor: str, reason: str
    ) -> PublishedRuleSet:
        """Checks the document and stores it as the next version, in force at once."""
        with self._write() as session:
            newest = session.scalars(select(func.max(_RuleSetRow.version))).one()
            version = max(newest or 0, DEFAULT_RULE_SET.version) + 1
            parse_rule_set(document, version)  # refuses a bad document before anything
            row = _RuleSetRow(
                version=version,
                document=document,
                source=source,
                actor=actor,
                reason=reason,
                created_at=self._now(),
            )
            session.add(row)
            self._audit(
                session,
                "rules.published",
                f"rules/v{version}",
                {
                    "version": version,
                    "reason": reason,
                    "rules": [rule["id"] for rule in document["rules"]],
                    "document_sha256": hashlib.sha256(source.encode()).hexdigest(),
                },
                actor=actor,
            )
            return _published(row)

    def account_flags(self, account_id: str) -> frozenset[str]:
        with self._sessions() as session:
            row = session.get(_AccountRow, account_id)
            return frozenset() if row is None else frozenset(row.flags)

    def decided_since(self, since: datetime) -> list[tuple[str, Facts]]:
        """The facts of every case analysed since `since` (oldest first), for dry runs."""
        query = (
            select(_CaseRow.id, _CaseRow.evidence, _AccountRow.flags)
            .outerjoin(_AccountRow, _AccountRow.account_id == _CaseRow.account_id)
            .where(
                _CaseRow.created_at >= _as_utc(since),
                # Only analysed cases have evidence (JSON null is not SQL NULL in SQLite).
                _CaseRow.status.not_in([CaseStatus.PROCESSING.value, CaseStatus.FAILED.value]),
            )
            .order_by(_CaseRow.created_at.asc(), _CaseRow.id.asc())
        )
        with self._sessions() as session:
            return [
                (case_id, Facts(Evidence.from_json(evidence), frozenset(flags or ())))
                for case_id, evidence, flags in session.execute(query)
            ]

    def audit_log(self) -> list[AuditEntry]:
        with self._sessions() as session:
            rows = session.scalars(select(_AuditRow).order_by(_AuditRow.id))
            return [
                AuditEntry(
                    r.id,
                    _as_utc(r.at),
                    r.actor,
                    r.action,
                    r.subject,
                    r.details,
                    r.prev_hash,
                    r.hash,
                )
                for r in rows
            ]

    def _now(self) -> datetime:
        return _as_utc(self._clock())

    @contextmanager
    def _write(self) -> Iterator[Session]:
        with self._write_lock, self._sessions.begin() as session:
            yield session

    def _row(self, session: Session, case_id: str) -> _CaseRow:
        row = session.scalars(_with_actions().where(_CaseRow.id == case_id)).one_or_none()
        if row is None:
            raise NotFound(f"case {case_id!r} not found", field="case_id")
        return row

    def _processing_row(self, session: Session, case_id: str) -> _CaseRow:
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
        head = session.scalars(select(_AuditRow.hash).order_by(_AuditRow.id.desc()).limit(1))
        prev_hash = head.first() or GENESIS_HASH
        at = self._now()
        session.add(
            _AuditRow(
                at=at,
                actor=actor,
                action=action,
                subject=subject,
                details=details,
                prev_hash=prev_hash,
                hash=entry_hash(prev_hash, at, actor, action, subject, details),
            )
        )


def _published(row: _RuleSetRow) -> PublishedRuleSet:
    return PublishedRuleSet(
        parse_rule_set(row.document, row.version),
        row.source,
        row.actor,
        row.reason,
        _as_utc(row.created_at),
    )


def _with_actions() -> Any:
    return select(_CaseRow).options(selectinload(_CaseRow.actions))


def _as_utc(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything stored here is UTC.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _case(row: _CaseRow) -> Case:
    return Case(
        case_id=row.id,
        status=CaseStatus(row.status),
        priority=None if row.priority is None else Priority(row.priority),
        media=Blob(row.media_sha256, row.media_uri, row.media_size, row.media_mime),
        source=Source(row.account_id, row.content_id, _as_utc(row.capture_time)),
        evidence=None if row.evidence is None else Evidence.from_json(row.evidence),
        rule=None if row.rule_id is None else RuleRef(row.rule_id, row.rule_version or 0),
        statement=row.statement,
        error=row.error,
        created_at=_as_utc(row.created_at),
        updated_at=_as_utc(row.updated_at),
        due_at=None if row.due_at is None else _as_utc(row.due_at),
        actions=tuple(
            Action(a.id, ActionType(a.type), a.actor, a.reason, _as_utc(a.created_at))
            for a in row.actions
        ),
    )
