"""Cases: submission, analysis outcomes and reviewers' actions."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from modmesh.decision.audit import as_utc
from modmesh.decision.domain import (
    CARRIED_OUT,
    ActionType,
    Case,
    CaseStatus,
    DeliveryStatus,
    Evidence,
    Priority,
    Source,
)
from modmesh.decision.rules import (
    Decision,
    Facts,
)
from modmesh.decision.storage.base import StoreBase, case_from_row, cases_with_actions, new_case_row
from modmesh.decision.tables import (
    AccountRow,
    ActionRow,
    CaseRow,
    DeliveryRow,
)
from modmesh.runtime.blobs import Blob
from modmesh.runtime.errors import FailedPrecondition


class Cases(StoreBase):
    def submit(self, media: Blob, source: Source) -> tuple[Case, bool]:
        """Stores a new PROCESSING case, or finds the one for the same submission.

        Returns the case and whether it was created now.
        """
        with self._write() as session:
            existing = session.scalars(
                cases_with_actions().where(
                    CaseRow.media_sha256 == media.sha256,
                    CaseRow.account_id == source.account_id,
                    CaseRow.content_id == source.content_id,
                    CaseRow.retro_key == "",
                )
            ).one_or_none()
            if existing is not None:
                return case_from_row(existing), False
            now = self._now()
            row = new_case_row(
                CaseStatus.PROCESSING,
                now,
                priority=None,
                media_sha256=media.sha256,
                media_uri=media.uri,
                media_size=media.size_bytes,
                media_mime=media.mime_type,
                account_id=source.account_id,
                content_id=source.content_id,
                capture_time=as_utc(source.capture_time),
                retro_key="",
                evidence=None,
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
                    "capture_time": as_utc(source.capture_time).isoformat(),
                },
            )
            return case_from_row(row), True

    def get(self, case_id: str) -> Case:
        with self._sessions() as session:
            return case_from_row(self._row(session, case_id))

    def list_cases(self, status: CaseStatus | None, limit: int) -> list[Case]:
        """OPEN cases as the review queue (most urgent, then oldest first); others newest first."""
        query = cases_with_actions()
        if status is not None:
            query = query.where(CaseRow.status == status.value)
        if status is CaseStatus.OPEN:
            query = query.order_by(
                CaseRow.priority.desc(), CaseRow.created_at.asc(), CaseRow.id.asc()
            )
        else:
            query = query.order_by(CaseRow.created_at.desc(), CaseRow.id.desc())
        with self._sessions() as session:
            return [case_from_row(row) for row in session.scalars(query.limit(limit))]

    def processing_ids(self) -> list[str]:
        """Cases whose analysis has not finished, oldest first: the work to resume."""
        query = (
            select(CaseRow.id)
            .where(CaseRow.status == CaseStatus.PROCESSING.value)
            .order_by(CaseRow.created_at.asc())
        )
        with self._sessions() as session:
            return list(session.scalars(query))

    def record_outcome(self, case_id: str, evidence: Evidence, decision: Decision) -> Case:
        """Stores what the rules decided; a rule that acts by itself has its action
        recorded here too, in the same transaction, under the rule's name."""
        with self._write() as session:
            row = self._processing_row(session, case_id)
            self._apply_decision(session, row, evidence, decision, "case.evidence_recorded")
            return case_from_row(row)

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
        row.evidence = evidence.to_json()
        row.rule_id = outcome.rule.rule_id
        row.rule_version = outcome.rule.version
        row.statement = outcome.statement
        row.updated_at = now
        row.language = "" if evidence.transcript is None else evidence.transcript.language
        row.categories = sorted({hit.category for hit in evidence.term_hits if hit.category})
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
                **details,
            },
        )
        if decision.auto_action is not None:
            actor = f"rule:{outcome.rule.rule_id}@v{outcome.rule.version}"
            self._add_action(session, row, decision.auto_action, actor, decision.policy)

    def record_failure(self, case_id: str, error: str) -> Case:
        with self._write() as session:
            row = self._processing_row(session, case_id)
            row.status = CaseStatus.FAILED.value
            row.error = error
            row.updated_at = self._now()
            self._audit(session, "case.failed", case_id, {"error": error})
            return case_from_row(row)

    def record_action(self, case_id: str, action_type: ActionType, actor: str, reason: str) -> Case:
        """Records a reviewer's decision on an OPEN case they hold the lease of: ESCALATE
        keeps it open as URGENT (and returns it to the queue), any other decision closes
        it. A removal is queued for delivery through the action adapter."""
        with self._write() as session:
            row = self._row(session, case_id, lock=True)
            if row.status != CaseStatus.OPEN.value:
                raise FailedPrecondition(
                    f"case {case_id} is {row.status}; only OPEN cases take actions"
                )
            self._reviewer_row(session, actor)
            now = self._now()
            if row.lease_holder != actor:
                holder = "nobody holds it" if row.lease_holder is None else "another reviewer does"
                raise FailedPrecondition(
                    f"reviewer {actor} does not hold case {case_id} ({holder}); claim it first"
                )
            assert row.lease_expires_at is not None
            if as_utc(row.lease_expires_at) <= now:
                raise FailedPrecondition(
                    f"the lease of reviewer {actor} on case {case_id} expired at "
                    f"{as_utc(row.lease_expires_at).isoformat()}; claim it again"
                )
            self._add_action(session, row, action_type, actor, reason)
            return case_from_row(row)

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

    def decided_since(self, since: datetime) -> list[tuple[str, Facts]]:
        """The facts of every case analysed since `since` (oldest first), for dry runs."""
        query = (
            select(CaseRow.id, CaseRow.evidence, AccountRow.flags)
            .outerjoin(AccountRow, AccountRow.account_id == CaseRow.account_id)
            .where(
                CaseRow.created_at >= as_utc(since),
                # Only analysed cases have evidence (JSON null is not SQL NULL in SQLite).
                CaseRow.status.not_in([CaseStatus.PROCESSING.value, CaseStatus.FAILED.value]),
            )
            .order_by(CaseRow.created_at.asc(), CaseRow.id.asc())
        )
        with self._sessions() as session:
            return [
                (case_id, Facts(Evidence.from_json(evidence), frozenset(flags or ())))
                for case_id, evidence, flags in session.execute(query)
            ]
