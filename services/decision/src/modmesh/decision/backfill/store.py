"""Backfills: resumable re-scans of stored transcripts after a list changes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import func, or_, select

from modmesh.decision.audit import as_utc
from modmesh.decision.domain import (
    Account,
    CaseStatus,
    Evidence,
)
from modmesh.decision.policy.published import PublishedRuleSet
from modmesh.decision.policy.rule_set import Decision
from modmesh.decision.rows import new_case_row
from modmesh.decision.store import StoreBase
from modmesh.decision.tables import (
    BackfillRunRow,
    CaseRow,
)
from modmesh.runtime.errors import NotFound


@dataclass(frozen=True)
class BackfillRun:
    run_id: str
    list_id: str
    since: datetime
    until: datetime
    #: (created_at, case_id) of the last case scanned; None before the first.
    cursor: tuple[datetime, str] | None
    scanned: int
    matched: int
    created: int
    resumed: bool


@dataclass(frozen=True)
class BackfillItem:
    """A case whose stored transcript a backfill matches again."""

    case_id: str
    created_at: datetime
    capture_time: datetime
    account_id: str
    evidence: Evidence


class BackfillStore(Protocol):
    """What a backfill reads and writes. Blocking; call it off the event loop."""

    def backfill_run(self, list_id: str, since: datetime, actor: str) -> BackfillRun: ...

    def backfill_items(
        self, since: datetime, until: datetime, after: tuple[datetime, str] | None, limit: int
    ) -> list[BackfillItem]: ...

    def count_backfill_items(self, since: datetime, until: datetime) -> int: ...

    def record_backfill_item(
        self, run_id: str, item: BackfillItem, found: tuple[Evidence, Decision] | None
    ) -> bool: ...

    def finish_backfill(self, run_id: str) -> BackfillRun: ...

    def active_rules(self) -> PublishedRuleSet: ...

    def account(self, account_id: str) -> Account: ...


class SqlBackfill(StoreBase):
    def backfill_run(self, list_id: str, since: datetime, actor: str) -> BackfillRun:
        """The unfinished run for this list and date, to resume, or a new one that covers
        the cases created until now."""
        with self._write() as session:
            row = session.scalars(
                select(BackfillRunRow)
                .where(
                    BackfillRunRow.list_id == list_id,
                    BackfillRunRow.since == as_utc(since),
                    BackfillRunRow.status == "RUNNING",
                )
                .order_by(BackfillRunRow.started_at.desc())
                .limit(1)
            ).first()
            if row is not None:
                return _run(row, resumed=True)
            now = self._now()
            row = BackfillRunRow(
                id=uuid.uuid4().hex,
                list_id=list_id,
                since=as_utc(since),
                until=now,
                actor=actor,
                cursor_created_at=None,
                cursor_case_id=None,
                scanned=0,
                matched=0,
                created=0,
                status="RUNNING",
                started_at=now,
                updated_at=now,
            )
            session.add(row)
            self._audit(
                session,
                "backfill.started",
                f"backfills/{row.id}",
                {"list_id": list_id, "since": row.since.isoformat(), "until": now.isoformat()},
                actor=actor,
            )
            return _run(row, resumed=False)

    def backfill_items(
        self, since: datetime, until: datetime, after: tuple[datetime, str] | None, limit: int
    ) -> list[BackfillItem]:
        """Analysed, submitted cases captured since `since` and created before `until`,
        in creation order after the cursor `after`."""
        query = (
            select(
                CaseRow.id,
                CaseRow.created_at,
                CaseRow.capture_time,
                CaseRow.account_id,
                CaseRow.evidence,
            )
            .where(*_backfill_scope(since, until))
            .order_by(CaseRow.created_at.asc(), CaseRow.id.asc())
            .limit(limit)
        )
        if after is not None:
            at, case_id = as_utc(after[0]), after[1]
            query = query.where(
                or_(CaseRow.created_at > at, (CaseRow.created_at == at) & (CaseRow.id > case_id))
            )
        with self._sessions() as session:
            return [
                BackfillItem(
                    case_id,
                    as_utc(created),
                    as_utc(captured),
                    account,
                    Evidence.from_json(evidence),
                )
                for case_id, created, captured, account, evidence in session.execute(query)
            ]

    def count_backfill_items(self, since: datetime, until: datetime) -> int:
        query = select(func.count()).select_from(CaseRow).where(*_backfill_scope(since, until))
        with self._sessions() as session:
            return int(session.scalar(query) or 0)

    def record_backfill_item(
        self,
        run_id: str,
        item: BackfillItem,
        found: tuple[Evidence, Decision] | None,
    ) -> bool:
        """Moves the run's cursor past `item` and, when the scan found new evidence in it,
        creates its backfill case, in one transaction: a crash either did both or neither.
        Returns whether a case was created (never a second one for an item and list)."""
        with self._write() as session:
            run = session.get(BackfillRunRow, run_id, with_for_update=True)
            if run is None:
                raise NotFound(f"backfill run {run_id!r} not found")
            run.scanned += 1
            run.cursor_created_at, run.cursor_case_id = item.created_at, item.case_id
            run.updated_at = self._now()
            if found is None:
                return False
            run.matched += 1
            key = f"backfill:{run.list_id}:{item.case_id}"
            if session.scalars(select(CaseRow.id).where(CaseRow.retro_key == key)).first():
                return False
            origin = self._row(session, item.case_id)
            now = self._now()
            row = new_case_row(
                CaseStatus.PROCESSING,
                now,
                media_sha256=origin.media_sha256,
                media_uri=origin.media_uri,
                media_size=origin.media_size,
                media_mime=origin.media_mime,
                account_id=origin.account_id,
                content_id=origin.content_id,
                capture_time=origin.capture_time,
                retro_of=origin.id,
                retro_key=key,
                # Found in the tenant's item: the tenant reads it as it reads the item.
                tenant=origin.tenant,
            )
            session.add(row)
            evidence, decision = found
            self._apply_decision(
                session,
                row,
                evidence,
                decision,
                "case.backfilled",
                retro_of=origin.id,
                backfill_run=run_id,
                list_id=run.list_id,
            )
            run.created += 1
            return True

    def finish_backfill(self, run_id: str) -> BackfillRun:
        with self._write() as session:
            run = session.get(BackfillRunRow, run_id, with_for_update=True)
            if run is None:
                raise NotFound(f"backfill run {run_id!r} not found")
            run.status = "DONE"
            run.updated_at = self._now()
            self._audit(
                session,
                "backfill.finished",
                f"backfills/{run_id}",
                {"scanned": run.scanned, "matched": run.matched, "created": run.created},
                actor=run.actor,
            )
            return _run(run, resumed=False)


def _backfill_scope(since: datetime, until: datetime) -> list[Any]:
    return [
        CaseRow.capture_time >= as_utc(since),
        CaseRow.created_at < as_utc(until),
        CaseRow.retro_key == "",
        # Only analysed cases have a stored transcript to match again.
        CaseRow.status.not_in([CaseStatus.PROCESSING.value, CaseStatus.FAILED.value]),
    ]


def _run(row: BackfillRunRow, resumed: bool) -> BackfillRun:
    cursor = (
        None
        if row.cursor_created_at is None or row.cursor_case_id is None
        else (as_utc(row.cursor_created_at), row.cursor_case_id)
    )
    return BackfillRun(
        row.id,
        row.list_id,
        as_utc(row.since),
        as_utc(row.until),
        cursor,
        row.scanned,
        row.matched,
        row.created,
        resumed,
    )
