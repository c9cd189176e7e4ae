"""Intake's store: new submissions, the cases still being analysed and what their
analysis found."""

from __future__ import annotations

from typing import Protocol

from sqlalchemy import select

from modmesh.decision.audit import as_utc
from modmesh.decision.domain import Account, Case, CaseStatus, Evidence, Source
from modmesh.decision.policy.published import PublishedRuleSet
from modmesh.decision.policy.rule_set import Decision
from modmesh.decision.rows import case_from_row, cases_with_actions, new_case_row
from modmesh.decision.store import StoreBase
from modmesh.decision.tables import CaseRow
from modmesh.runtime.blobs import Blob


class IntakeStore(Protocol):
    """What intake reads and writes. Blocking; call it off the event loop."""

    def submit(self, media: Blob, source: Source, tenant: str = "") -> tuple[Case, bool]: ...

    def get(self, case_id: str) -> Case: ...

    def processing_ids(self) -> list[str]: ...

    def record_outcome(self, case_id: str, evidence: Evidence, decision: Decision) -> Case: ...

    def record_failure(self, case_id: str, error: str) -> Case: ...

    def active_rules(self) -> PublishedRuleSet: ...

    def account(self, account_id: str) -> Account: ...


class SqlIntake(StoreBase):
    def submit(self, media: Blob, source: Source, tenant: str = "") -> tuple[Case, bool]:
        """Stores a new PROCESSING case of `tenant`, or finds the one for the same
        submission by the same tenant.

        Returns the case and whether it was created now.
        """
        with self._write() as session:
            existing = session.scalars(
                cases_with_actions().where(
                    CaseRow.media_sha256 == media.sha256,
                    CaseRow.account_id == source.account_id,
                    CaseRow.content_id == source.content_id,
                    CaseRow.retro_key == "",
                    CaseRow.tenant == tenant,
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
                tenant=tenant,
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
                    "tenant": tenant,
                },
            )
            return case_from_row(row), True

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

    def record_failure(self, case_id: str, error: str) -> Case:
        with self._write() as session:
            row = self._processing_row(session, case_id)
            row.status = CaseStatus.FAILED.value
            row.error = error
            row.updated_at = self._now()
            self._audit(session, "case.failed", case_id, {"error": error})
            return case_from_row(row)
