"""The stores' shared foundation: the database, write turns, row lookups, the audit chain
that every mutation appends to in its own transaction, and the writes several features
make (a decision applied to a case, an action and its outbox delivery), so that the
action, its delivery and their audit entries always commit together.

Each feature's store (a Protocol and its SQL mixin over this base) lives in the feature;
`modmesh.decision.compose` joins the mixins into one class over one database."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from modmesh.decision.audit import AUDIT_LOG_NAME, AUDIT_TABLE, read_entries
from modmesh.decision.domain import (
    CARRIED_OUT,
    ActionType,
    CaseStatus,
    DeliveryStatus,
    Evidence,
    Priority,
)
from modmesh.decision.facets import replace_facets
from modmesh.decision.migrations import SCHEMA
from modmesh.decision.policy.rule_set import Decision
from modmesh.decision.rows import cases_with_actions
from modmesh.decision.stored import evidence_json
from modmesh.decision.tables import ActionRow, CaseRow, DeliveryRow, ReviewerRow
from modmesh.runtime import audit, checkpoint
from modmesh.runtime.audit import AuditEntry, AuditKey, as_utc
from modmesh.runtime.checkpoint import Checkpoint, SigningKey
from modmesh.runtime.database import open_engine
from modmesh.runtime.errors import FailedPrecondition, NotFound
from modmesh.runtime.migrations import migrate

#: Who the audit log names for what the service does by itself.
SYSTEM_ACTOR = "decision"


def utc_now() -> datetime:
    return datetime.now(UTC)


class StoreBase:
    """The decision service's database. Methods are blocking; call them off the event loop."""

    def __init__(
        self, url: str, *, audit_key: AuditKey, clock: Callable[[], datetime] = utc_now
    ) -> None:
        self._engine = open_engine(url)
        migrate(self._engine, SCHEMA)
        self._sessions = sessionmaker(self._engine, expire_on_commit=False)
        self._clock = clock
        self._audit_key = audit_key
        # Mutations in this process take turns, so they never race for the audit chain's
        # head; writers in other processes take turns through the chain's lock.
        self._write_lock = threading.Lock()
        with self._write() as session:
            audit.anchor(session, AUDIT_TABLE, audit_key, self._now(), SYSTEM_ACTOR)

    def close(self) -> None:
        self._engine.dispose()

    def audit_log(self) -> list[AuditEntry]:
        return list(read_entries(self._engine))

    def audit_checkpoint(self, signer: SigningKey) -> Checkpoint:
        """The log's head, verified under the audit key and signed; CheckpointError when
        the log does not verify."""
        verification = audit.verify(read_entries(self._engine), self._audit_key)
        return checkpoint.sign(AUDIT_LOG_NAME, verification, signer, self._now())

    def _now(self) -> datetime:
        return as_utc(self._clock())

    @contextmanager
    def _write(self) -> Iterator[Session]:
        with self._write_lock, self._sessions.begin() as session:
            # The chain's turn is taken first, before any row lock, so that a writer
            # holding a row never waits for a writer that holds the chain (no deadlock).
            audit.lock_chain(session, AUDIT_TABLE)
            yield session

    def _row(self, session: Session, case_id: str, lock: bool = False) -> CaseRow:
        query = cases_with_actions().where(CaseRow.id == case_id)
        if lock:
            # Writers of one case take turns (PostgreSQL row lock; SQLite locks the file).
            query = query.with_for_update(of=CaseRow)
        row: CaseRow | None = session.scalars(query).one_or_none()
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
        audit.append(
            session, AUDIT_TABLE, self._audit_key, self._now(), actor, action, subject, details
        )

    def _apply_decision(
        self,
        session: Session,
        row: CaseRow,
        evidence: Evidence,
        decision: Decision,
        event: str,
        **details: Any,
    ) -> None:
        outcome = decision.outcome
        now = self._now()
        row.status = outcome.status.value
        row.priority = None if outcome.priority is None else int(outcome.priority)
        row.evidence = evidence_json(evidence)
        row.rule_id = outcome.rule.rule_id
        row.rule_version = outcome.rule.version
        row.statement = outcome.statement
        row.updated_at = now
        row.language = "" if evidence.transcript is None else evidence.transcript.language
        # Read by replicas of earlier releases while a rolling upgrade runs; this
        # release routes by the facets.
        row.categories = sorted({hit.category for hit in evidence.term_hits if hit.category})
        replace_facets(session, row.id, evidence)
        if decision.sla_hours is not None and row.due_at is None:
            # Counted from when the case was first queued: new evidence does not push it.
            row.due_at = now + timedelta(hours=decision.sla_hours)
        self._audit(
            session,
            event,
            row.id,
            {
                "status": outcome.status.value,
                "priority": None if outcome.priority is None else outcome.priority.name,
                "rule": {"id": outcome.rule.rule_id, "version": outcome.rule.version},
                "term_hits": len(evidence.term_hits),
                "similarity_matches": len(evidence.similarity_matches),
                # What a model said, so the log alone shows a score's part in a decision.
                "model_scores": [
                    {
                        "model": s.model,
                        "version": s.model_version,
                        "set": f"{s.set_id} v{s.set_version}",
                        "category": s.category,
                        "score": round(s.score, 4),
                        "threshold": s.threshold,
                    }
                    for s in evidence.model_scores
                ],
                **details,
            },
        )
        if decision.auto_action is not None:
            actor = f"rule:{outcome.rule.rule_id}@v{outcome.rule.version}"
            self._add_action(session, row, decision.auto_action, actor, decision.policy)

    def _add_action(
        self, session: Session, row: CaseRow, action_type: ActionType, actor: str, reason: str
    ) -> None:
        now = self._now()
        action = ActionRow(
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
        row.lease_holder = row.lease_expires_at = None
        row.updated_at = now
        if action_type in CARRIED_OUT:
            self._add_delivery(session, row, action, "apply")
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

    def _add_delivery(self, session: Session, case: CaseRow, action: ActionRow, kind: str) -> None:
        now = self._now()
        action.deliveries.append(
            DeliveryRow(
                id=uuid.uuid4().hex,
                action_id=action.id,
                case_id=case.id,
                kind=kind,
                payload={
                    "kind": kind,
                    "action_id": action.id,
                    "action": action.type,
                    "case_id": case.id,
                    "account_id": case.account_id,
                    "content_id": case.content_id,
                    "media_sha256": case.media_sha256,
                    "policy": action.reason,
                    "decided_by": action.actor,
                    "decided_at": as_utc(action.created_at).isoformat(),
                },
                # The receiver sees the same key on every retry, so it acts only once.
                idempotency_key=f"{action.id}-{kind}",
                attempts=0,
                status=DeliveryStatus.PENDING.value,
                next_attempt_at=now,
                last_error="",
                updated_at=now,
            )
        )
