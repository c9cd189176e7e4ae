"""Intake's store: new submissions, the cases still being analysed and what their
analysis found, and the leases through which one replica at a time analyses a case.

Lease times come from the database's clock (PostgreSQL's clock_timestamp()), so that
replicas whose clocks disagree by seconds still agree on who holds a case. SQLite is
the single-process default: there the process's clock is the only one."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import ColumnElement, and_, delete, func, or_, select, update
from sqlalchemy.orm import Session

from modmesh.decision.audit import as_utc
from modmesh.decision.domain import Account, Case, CaseStatus, Evidence, Source
from modmesh.decision.intake.engines import TranscriptWindow
from modmesh.decision.intake.retry import RetryPolicy
from modmesh.decision.policy.published import PublishedRuleSet
from modmesh.decision.policy.rule_set import Decision
from modmesh.decision.rows import case_from_row, cases_with_actions, new_case_row
from modmesh.decision.store import SYSTEM_ACTOR, StoreBase
from modmesh.decision.stored import transcript_from_json, transcript_json
from modmesh.decision.tables import CaseRow, TranscriptWindowRow
from modmesh.runtime.blobs import Blob
from modmesh.runtime.errors import FailedPrecondition, InvalidArgument


class LeaseLost(FailedPrecondition):
    """The case is no longer this replica's to write: its lease expired and another
    replica took it over, or it is no longer being analysed."""


#: At most this many FAILED cases are retried by one RetryCases call.
MAX_RETRIED_PER_CALL = 500


class IntakeStore(Protocol):
    """What intake reads and writes. Blocking; call it off the event loop."""

    def submit(self, media: Blob, source: Source, tenant: str = "") -> tuple[Case, bool]: ...

    def get(self, case_id: str) -> Case: ...

    def claim_case(self, case_id: str, holder: str, lease_seconds: float) -> bool: ...

    def claim_due(self, holder: str, lease_seconds: float, limit: int) -> list[str]: ...

    def renew_lease(self, case_id: str, holder: str, lease_seconds: float) -> bool: ...

    def release_leases(self, case_ids: list[str], holder: str) -> None: ...

    def record_outcome(
        self, case_id: str, evidence: Evidence, decision: Decision, holder: str | None = None
    ) -> Case: ...

    def record_failure(self, case_id: str, error: str, holder: str | None = None) -> Case: ...

    def record_retry(self, case_id: str, error: str, holder: str, policy: RetryPolicy) -> Case: ...

    def heard_windows(self, case_id: str) -> list[TranscriptWindow]: ...

    def record_window(self, case_id: str, window: TranscriptWindow, holder: str) -> None: ...

    def retry_failed(self, case_ids: list[str], all_failed: bool, actor: str) -> list[Case]: ...

    def active_rules(self) -> PublishedRuleSet: ...

    def account(self, account_id: str) -> Account: ...


class SqlIntake(StoreBase):
    def submit(self, media: Blob, source: Source, tenant: str = "") -> tuple[Case, bool]:
        """Stores a new PROCESSING case of `tenant`, or finds the one for the same
        submission by the same tenant; one that FAILED is made PROCESSING again, so the
        resubmitted item is analysed again.

        Returns the case and whether it was created now. A PROCESSING case is nobody's
        until a replica claims it (`claim_case`).
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
                if existing.status == CaseStatus.FAILED.value:
                    self._analyse_again(session, existing, "case.resubmitted", SYSTEM_ACTOR)
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
                    "status": row.status,
                    "media_sha256": media.sha256,
                    "account_id": source.account_id,
                    "content_id": source.content_id,
                    "capture_time": as_utc(source.capture_time).isoformat(),
                    "tenant": tenant,
                },
            )
            return case_from_row(row), True

    def claim_case(self, case_id: str, holder: str, lease_seconds: float) -> bool:
        """Takes the case for analysis if it is PROCESSING and nobody holds it (or the
        holder's lease expired). False when another replica has it or it is decided."""
        with self._write() as session:
            now = self._db_now(session)
            claimed = session.execute(
                update(CaseRow)
                .where(CaseRow.id == case_id, _claimable(now))
                .values(_leased(holder, now, lease_seconds))
            )
            return bool(claimed.rowcount)  # type: ignore[attr-defined]

    def claim_due(self, holder: str, lease_seconds: float, limit: int) -> list[str]:
        """Takes up to `limit` cases that need a replica, oldest first: PROCESSING ones
        nobody holds (their replica died, or was stopped) and RETRYING ones whose next
        attempt is due. On PostgreSQL rows another replica is claiming are skipped
        (FOR UPDATE SKIP LOCKED), so replicas claiming at once take different cases."""
        with self._write() as session:
            now = self._db_now(session)
            due = session.scalars(
                select(CaseRow.id)
                .where(_claimable(now))
                .order_by(CaseRow.created_at.asc(), CaseRow.id.asc())
                .limit(limit)
                .with_for_update(skip_locked=True)
            ).all()
            if due:
                session.execute(
                    update(CaseRow)
                    .where(CaseRow.id.in_(due))
                    .values(_leased(holder, now, lease_seconds))
                )
            return list(due)

    def renew_lease(self, case_id: str, holder: str, lease_seconds: float) -> bool:
        """Extends the holder's lease; False when the holder no longer has the case."""
        with self._write() as session:
            now = self._db_now(session)
            renewed = session.execute(
                update(CaseRow)
                .where(
                    CaseRow.id == case_id,
                    CaseRow.status == CaseStatus.PROCESSING.value,
                    CaseRow.analysis_holder == holder,
                )
                .values(analysis_expires_at=now + timedelta(seconds=lease_seconds))
            )
            return bool(renewed.rowcount)  # type: ignore[attr-defined]

    def release_leases(self, case_ids: list[str], holder: str) -> None:
        """Gives up the holder's cases (a replica that stops), so that another replica
        takes them at once instead of after the lease's expiry."""
        with self._write() as session:
            session.execute(
                update(CaseRow)
                .where(CaseRow.id.in_(case_ids), CaseRow.analysis_holder == holder)
                .values(analysis_holder=None, analysis_expires_at=None)
            )

    def record_outcome(
        self, case_id: str, evidence: Evidence, decision: Decision, holder: str | None = None
    ) -> Case:
        """Stores what the rules decided; a rule that acts by itself has its action
        recorded here too, in the same transaction, under the rule's name. With a
        holder, only while that holder still has the case (LeaseLost otherwise)."""
        with self._write() as session:
            row = self._held_row(session, case_id, holder)
            # Decided: what failed before is history (in the audit log), not the case's
            # state; `attempts` stays, to show how long the engines kept it waiting.
            row.error = ""
            row.next_attempt_at = row.retrying_since = None
            row.analysis_holder = row.analysis_expires_at = None
            _forget_windows(session, case_id)
            self._apply_decision(session, row, evidence, decision, "case.evidence_recorded")
            return case_from_row(row)

    def record_failure(self, case_id: str, error: str, holder: str | None = None) -> Case:
        """The case FAILED for good: an error retrying would not cure."""
        with self._write() as session:
            row = self._held_row(session, case_id, holder)
            self._fail(session, row, error)
            return case_from_row(row)

    def record_retry(self, case_id: str, error: str, holder: str, policy: RetryPolicy) -> Case:
        """An engine was unavailable: the case is RETRYING, due again after the
        policy's backoff, or FAILED once it has been retrying for longer than the
        policy's budget."""
        with self._write() as session:
            row = self._held_row(session, case_id, holder)
            now = self._db_now(session)
            since = now if row.retrying_since is None else as_utc(row.retrying_since)
            if now - since >= timedelta(seconds=policy.budget_seconds):
                self._fail(
                    session,
                    row,
                    f"{error} (still failing after retrying since "
                    f"{since.isoformat()}, past the retry budget of "
                    f"{policy.budget_seconds:g} s)",
                )
                return case_from_row(row)
            row.attempts += 1
            row.status = CaseStatus.RETRYING.value
            row.error = error
            row.retrying_since = since
            row.next_attempt_at = now + policy.delay(row.attempts)
            row.analysis_holder = row.analysis_expires_at = None
            row.updated_at = self._now()
            self._audit(
                session,
                "case.retrying",
                case_id,
                {
                    "status": row.status,
                    "error": error,
                    "attempts": row.attempts,
                    "next_attempt_at": as_utc(row.next_attempt_at).isoformat(),
                },
            )
            return case_from_row(row)

    def heard_windows(self, case_id: str) -> list[TranscriptWindow]:
        """The windows of the case's media heard so far, in order."""
        with self._sessions() as session:
            rows = session.scalars(
                select(TranscriptWindowRow)
                .where(TranscriptWindowRow.case_id == case_id)
                .order_by(TranscriptWindowRow.start_seconds.asc())
            )
            return [
                TranscriptWindow(
                    transcript_from_json(row.transcript),
                    row.start_seconds,
                    row.end_seconds,
                    row.complete,
                )
                for row in rows
            ]

    def record_window(self, case_id: str, window: TranscriptWindow, holder: str) -> None:
        """Keeps a heard window while the holder still has the case (LeaseLost
        otherwise). A case that makes progress is not failing: its retry budget counts
        again from its next failure."""
        with self._write() as session:
            row = self._held_row(session, case_id, holder)
            row.retrying_since = None
            session.merge(
                TranscriptWindowRow(
                    case_id=case_id,
                    start_seconds=window.start_seconds,
                    end_seconds=window.end_seconds,
                    complete=window.complete,
                    transcript=transcript_json(window.transcript),
                )
            )

    def retry_failed(self, case_ids: list[str], all_failed: bool, actor: str) -> list[Case]:
        """Makes FAILED cases PROCESSING again, each retry audited under the actor: the
        named ones (all of them FAILED, or none is retried) or, with all_failed, the
        oldest FAILED cases up to MAX_RETRIED_PER_CALL."""
        if all_failed == bool(case_ids):
            raise InvalidArgument(
                "name the cases to retry or set all_failed, not both", field="case_ids"
            )
        if len(case_ids) > MAX_RETRIED_PER_CALL:
            raise InvalidArgument(
                f"at most {MAX_RETRIED_PER_CALL} case_ids per call, got {len(case_ids)}",
                field="case_ids",
            )
        with self._write() as session:
            if all_failed:
                query = (
                    select(CaseRow)
                    .where(CaseRow.status == CaseStatus.FAILED.value)
                    .order_by(CaseRow.created_at.asc(), CaseRow.id.asc())
                    .limit(MAX_RETRIED_PER_CALL)
                    .with_for_update(skip_locked=True)
                )
                rows = list(session.scalars(query))
            else:
                rows = [
                    self._row(session, case_id, lock=True) for case_id in dict.fromkeys(case_ids)
                ]
            for row in rows:
                if row.status != CaseStatus.FAILED.value:
                    raise FailedPrecondition(
                        f"case {row.id} is {row.status}; only FAILED cases are retried"
                    )
                self._analyse_again(session, row, "case.retry_requested", actor)
            return [case_from_row(row) for row in rows]

    def _analyse_again(self, session: Session, row: CaseRow, event: str, actor: str) -> None:
        """A FAILED case back to PROCESSING, with a fresh retry budget, for any replica
        to claim."""
        previous = row.error
        row.status = CaseStatus.PROCESSING.value
        row.error = ""
        row.attempts = 0
        row.next_attempt_at = row.retrying_since = None
        row.analysis_holder = row.analysis_expires_at = None
        row.updated_at = self._now()
        self._audit(
            session, event, row.id, {"status": row.status, "previous_error": previous}, actor=actor
        )

    def _fail(self, session: Session, row: CaseRow, error: str) -> None:
        _forget_windows(session, row.id)
        row.status = CaseStatus.FAILED.value
        row.error = error
        row.next_attempt_at = None
        row.analysis_holder = row.analysis_expires_at = None
        row.updated_at = self._now()
        self._audit(session, "case.failed", row.id, {"status": row.status, "error": error})

    def _held_row(self, session: Session, case_id: str, holder: str | None) -> CaseRow:
        """The case, locked, while it is PROCESSING and (with a holder) held by it."""
        row = self._row(session, case_id, lock=True)
        if row.status != CaseStatus.PROCESSING.value:
            raise LeaseLost(f"case {case_id} is {row.status}, no longer PROCESSING")
        if holder is not None and row.analysis_holder != holder:
            raise LeaseLost(
                f"case {case_id} is no longer held by {holder} "
                f"(now {row.analysis_holder or 'nobody'}); its lease expired"
            )
        return row

    def _db_now(self, session: Session) -> datetime:
        """Now by the database's clock, which every replica shares."""
        if session.get_bind().dialect.name == "postgresql":
            return as_utc(session.scalars(select(func.clock_timestamp())).one())
        return self._now()


def _claimable(now: datetime) -> ColumnElement[bool]:
    """Cases a replica may take: PROCESSING and nobody's (or the lease expired), or
    RETRYING and due."""
    return or_(
        and_(
            CaseRow.status == CaseStatus.PROCESSING.value,
            or_(CaseRow.analysis_holder.is_(None), CaseRow.analysis_expires_at <= now),
        ),
        and_(CaseRow.status == CaseStatus.RETRYING.value, CaseRow.next_attempt_at <= now),
    )


def _forget_windows(session: Session, case_id: str) -> None:
    """The case's analysis ended: its evidence (or its error) replaces the windows."""
    session.execute(delete(TranscriptWindowRow).where(TranscriptWindowRow.case_id == case_id))


def _leased(holder: str, now: datetime, lease_seconds: float) -> dict[str, object]:
    return {
        "status": CaseStatus.PROCESSING.value,
        "analysis_holder": holder,
        "analysis_expires_at": now + timedelta(seconds=lease_seconds),
    }
