"""Backfills: resumable re-scans of stored transcripts after a list changes, cut into
slices (the cases whose id starts with each hex digit) that replicas lease one at a
time, each with its own cursor."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from modmesh.decision.audit import as_utc
from modmesh.decision.backfill.slices import (
    SLICE_LEASE,
    SLICE_PREFIXES,
    BackfillSlice,
    BackfillTally,
    slice_of,
)
from modmesh.decision.domain import Account, CaseStatus, Evidence
from modmesh.decision.policy.published import PublishedRuleSet
from modmesh.decision.policy.rule_set import Decision
from modmesh.decision.rows import new_case_row
from modmesh.decision.store import StoreBase
from modmesh.decision.stored import evidence_from_json
from modmesh.decision.tables import (
    BackfillRunRow,
    BackfillSliceRow,
    CaseRow,
)
from modmesh.runtime.errors import NotFound
from modmesh.runtime.leases import Lease


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

    def claim_backfill_slice(self, run_id: str, holder: str) -> BackfillSlice | None: ...

    def release_backfill_slice(self, run_id: str, prefix: str, holder: str) -> None: ...

    def backfill_items(
        self,
        since: datetime,
        until: datetime,
        after: tuple[datetime, str] | None,
        limit: int,
        prefix: str = "",
    ) -> list[BackfillItem]: ...

    def count_backfill_items(self, since: datetime, until: datetime) -> int: ...

    def record_backfill_item(
        self,
        part: BackfillSlice,
        holder: str,
        item: BackfillItem,
        found: tuple[Evidence, Decision] | None,
    ) -> BackfillTally: ...

    def finish_backfill_slice(self, part: BackfillSlice, holder: str) -> None: ...

    def finish_backfill(self, run_id: str) -> BackfillRun | None: ...

    def active_rules(self) -> PublishedRuleSet: ...

    def account(self, account_id: str) -> Account: ...


class SqlBackfill(StoreBase):
    #: The lease length compose sets from the settings (shared with the other leases).
    work_lease_seconds = SLICE_LEASE.seconds

    def backfill_run(self, list_id: str, since: datetime, actor: str) -> BackfillRun:
        """The unfinished run for this list and date, to resume, or a new one that covers
        the cases created until now."""
        try:
            return self._backfill_run(list_id, since, actor)
        except IntegrityError:  # another replica started it a moment ago: join that run
            return self._backfill_run(list_id, since, actor)

    def _backfill_run(self, list_id: str, since: datetime, actor: str) -> BackfillRun:
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
                self._add_slices(session, row)  # a run started before runs had slices
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
            self._add_slices(session, row)
            self._audit(
                session,
                "backfill.started",
                f"backfills/{row.id}",
                {"list_id": list_id, "since": row.since.isoformat(), "until": now.isoformat()},
                actor=actor,
            )
            return _run(row, resumed=False)

    def _add_slices(self, session: Session, run: BackfillRunRow) -> None:
        """Cuts the run into its slices, each starting at the run's own cursor (where a
        run from before slices had got to: it scanned in creation order, all slices at
        once)."""
        if session.scalars(
            select(BackfillSliceRow.prefix).where(BackfillSliceRow.run_id == run.id)
        ).first():
            return
        session.add_all(
            BackfillSliceRow(
                run_id=run.id,
                prefix=prefix,
                cursor_created_at=run.cursor_created_at,
                cursor_case_id=run.cursor_case_id,
                done=False,
                updated_at=self._now(),
            )
            for prefix in SLICE_PREFIXES
        )

    @property
    def _slice_lease(self) -> Lease:
        return replace(SLICE_LEASE, seconds=self.work_lease_seconds)

    def claim_backfill_slice(self, run_id: str, holder: str) -> BackfillSlice | None:
        """Leases the run's next slice that is neither done nor held by a live lease;
        None when there is none (all done, or all held by other scans)."""
        query = (
            select(BackfillSliceRow)
            .where(BackfillSliceRow.run_id == run_id, BackfillSliceRow.done.is_(False))
            .order_by(BackfillSliceRow.prefix)
        )
        with self._write() as session:
            rows = self._slice_lease.claim(session, query, holder, limit=1)
            return None if not rows else slice_of(rows[0])

    def release_backfill_slice(self, run_id: str, prefix: str, holder: str) -> None:
        """Gives a slice back (a scan that failed), so another scan goes on at once."""
        with self._write() as session:
            row = session.get(BackfillSliceRow, (run_id, prefix), with_for_update=True)
            if row is not None:
                self._slice_lease.release(session, row, holder)

    def backfill_items(
        self,
        since: datetime,
        until: datetime,
        after: tuple[datetime, str] | None,
        limit: int,
        prefix: str = "",
    ) -> list[BackfillItem]:
        """Analysed, submitted cases captured since `since` and created before `until`,
        whose id starts with `prefix`, in creation order after the cursor `after`."""
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
        if prefix:
            query = query.where(CaseRow.id.startswith(prefix))
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
                    evidence_from_json(evidence),
                )
                for case_id, created, captured, account, evidence in session.execute(query)
            ]

    def count_backfill_items(self, since: datetime, until: datetime) -> int:
        query = select(func.count()).select_from(CaseRow).where(*_backfill_scope(since, until))
        with self._sessions() as session:
            return int(session.scalar(query) or 0)

    def record_backfill_item(
        self,
        part: BackfillSlice,
        holder: str,
        item: BackfillItem,
        found: tuple[Evidence, Decision] | None,
    ) -> BackfillTally:
        """Moves the slice's cursor past `item` (renewing the holder's lease) and, when
        the scan found new evidence in it, creates its backfill case, in one transaction:
        a crash either did both or neither, and a holder whose lease passed to another
        scan (LeaseLost) records nothing. Never a second case for an item and list."""
        with self._write() as session:
            run = session.get(BackfillRunRow, part.run_id, with_for_update=True)
            cut = session.get(BackfillSliceRow, (part.run_id, part.prefix), with_for_update=True)
            if run is None or cut is None:
                raise NotFound(f"backfill run {part.run_id!r} not found")
            self._slice_lease.renew(session, cut, holder)
            cut.cursor_created_at, cut.cursor_case_id = item.created_at, item.case_id
            cut.updated_at = run.updated_at = self._now()
            # Increments in SQL: SQLite has no row lock to keep two replicas' counts apart.
            run.scanned = BackfillRunRow.scanned + 1
            if found is None:
                return _tally(session, run, case_created=False)
            run.matched = BackfillRunRow.matched + 1
            key = f"backfill:{run.list_id}:{item.case_id}"
            if session.scalars(select(CaseRow.id).where(CaseRow.retro_key == key)).first():
                return _tally(session, run, case_created=False)
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
                backfill_run=run.id,
                list_id=run.list_id,
            )
            run.created = BackfillRunRow.created + 1
            return _tally(session, run, case_created=True)

    def finish_backfill_slice(self, part: BackfillSlice, holder: str) -> None:
        """Marks a slice scanned to its end; raises LeaseLost if it is no longer the
        holder's (the scan that took it over finishes it)."""
        with self._write() as session:
            row = session.get(BackfillSliceRow, (part.run_id, part.prefix), with_for_update=True)
            if row is None:
                raise NotFound(f"backfill run {part.run_id!r} not found")
            self._slice_lease.renew(session, row, holder)
            row.done = True
            row.updated_at = self._now()
            self._slice_lease.release(session, row, holder)

    def finish_backfill(self, run_id: str) -> BackfillRun | None:
        """Marks the run DONE once every slice is done, and audits that once however
        many scans ask; None while some slice is still to be scanned."""
        with self._write() as session:
            pending = select(BackfillSliceRow.prefix).where(
                BackfillSliceRow.run_id == run_id, BackfillSliceRow.done.is_(False)
            )
            if session.scalars(pending).first() is not None:
                return None
            # Only the call whose UPDATE finds it RUNNING finishes it (SQLite has no row
            # lock to keep two replicas from both reading RUNNING).
            finished = session.execute(
                update(BackfillRunRow)
                .where(BackfillRunRow.id == run_id, BackfillRunRow.status == "RUNNING")
                .values(status="DONE", updated_at=self._now())
            )
            run = session.get(BackfillRunRow, run_id, populate_existing=True)
            if run is None:
                raise NotFound(f"backfill run {run_id!r} not found")
            if finished.rowcount == 1:  # type: ignore[attr-defined]
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


def _tally(session: Session, run: BackfillRunRow, case_created: bool) -> BackfillTally:
    session.flush()  # the counts were incremented in SQL: read what they came to
    session.refresh(run, ["scanned", "matched", "created"])
    return BackfillTally(run.scanned, run.matched, run.created, case_created)


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
