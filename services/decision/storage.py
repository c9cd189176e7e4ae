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
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from modmesh.common.evidence import Word
from modmesh.decision import migrations, review
from modmesh.decision.audit import GENESIS_HASH, AuditEntry, as_utc, entry_hash, read_entries
from modmesh.decision.domain import (
    CARRIED_OUT,
    Account,
    Action,
    ActionType,
    Appeal,
    AppealStatus,
    Case,
    CaseStatus,
    DeliveryStatus,
    Evidence,
    Lease,
    LiveAction,
    LiveFlag,
    LiveStream,
    Priority,
    Queue,
    Reviewer,
    RuleRef,
    Source,
    TermHit,
    term_hit_from_json,
    term_hit_json,
    words_from_json,
    words_json,
)
from modmesh.decision.rules import (
    DEFAULT_DOCUMENT,
    DEFAULT_RULE_SET,
    Decision,
    Facts,
    RuleSet,
    parse_rule_set,
)
from modmesh.decision.tables import (
    AccountRow,
    ActionRow,
    AppealRow,
    AuditRow,
    BackfillRunRow,
    CaseRow,
    DeliveryRow,
    LiveFlagRow,
    LiveStreamRow,
    ReviewerRow,
    RuleSetRow,
)
from modmesh.runtime.blobs import Blob
from modmesh.runtime.database import open_engine
from modmesh.runtime.errors import AlreadyExists, FailedPrecondition, NotFound

#: Who the audit log names for what the service does by itself.
SYSTEM_ACTOR = "decision"


def utc_now() -> datetime:
    return datetime.now(UTC)


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


@dataclass(frozen=True)
class Delivery:
    """One action (or its reversal) to carry out through the adapter."""

    delivery_id: str
    action_id: str
    case_id: str
    kind: str
    payload: dict[str, Any]
    idempotency_key: str
    attempts: int


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
                    CaseRow.media_sha256 == media.sha256,
                    CaseRow.account_id == source.account_id,
                    CaseRow.content_id == source.content_id,
                    CaseRow.retro_key == "",
                )
            ).one_or_none()
            if existing is not None:
                return _case(existing), False
            now = self._now()
            row = CaseRow(
                id=uuid.uuid4().hex,
                status=CaseStatus.PROCESSING.value,
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
                    "capture_time": as_utc(source.capture_time).isoformat(),
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
            query = query.where(CaseRow.status == status.value)
        if status is CaseStatus.OPEN:
            query = query.order_by(
                CaseRow.priority.desc(), CaseRow.created_at.asc(), CaseRow.id.asc()
            )
        else:
            query = query.order_by(CaseRow.created_at.desc(), CaseRow.id.desc())
        with self._sessions() as session:
            return [_case(row) for row in session.scalars(query.limit(limit))]

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
            return _case(row)

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
            return _case(row)

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
            return _case(row)

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

    # ------------------------------------------------------------------------ review

    def put_reviewer(self, reviewer: Reviewer, actor: str, reason: str) -> Reviewer:
        with self._write() as session:
            row = session.get(ReviewerRow, reviewer.reviewer_id)
            if row is None:
                row = ReviewerRow(reviewer_id=reviewer.reviewer_id)
                session.add(row)
            row.languages = sorted(reviewer.languages)
            row.categories = sorted(reviewer.categories)
            row.protected_queue = reviewer.protected_queue
            row.updated_at = self._now()
            self._audit(
                session,
                "reviewer.updated",
                f"reviewers/{reviewer.reviewer_id}",
                {
                    "languages": row.languages,
                    "categories": row.categories,
                    "protected_queue": row.protected_queue,
                    "reason": reason,
                },
                actor=actor,
            )
            return _reviewer(row)

    def reviewer(self, reviewer_id: str) -> Reviewer:
        with self._sessions() as session:
            return _reviewer(self._reviewer_row(session, reviewer_id))

    def put_account(self, account: Account, actor: str, reason: str) -> Account:
        """Sets an account's flags and protection; open cases follow at once."""
        with self._write() as session:
            row = session.get(AccountRow, account.account_id)
            if row is None:
                row = AccountRow(account_id=account.account_id)
                session.add(row)
            row.flags = sorted(account.flags)
            row.protected = account.protected
            row.updated_at = self._now()
            self._audit(
                session,
                "account.updated",
                f"accounts/{account.account_id}",
                {"flags": row.flags, "protected": row.protected, "reason": reason},
                actor=actor,
            )
            return _account(row)

    def account(self, account_id: str) -> Account:
        with self._sessions() as session:
            row = session.get(AccountRow, account_id)
            return Account(account_id) if row is None else _account(row)

    def review_queue(self, reviewer_id: str, queue: Queue, limit: int) -> list[Case]:
        """The open cases of `queue` this reviewer may take, most urgent then oldest
        first: unclaimed ones (or with an expired lease) and the reviewer's own."""
        reviewer = self.reviewer(reviewer_id)
        refused = review.refusal(reviewer, queue)
        if refused:
            raise FailedPrecondition(refused)
        now = self._now()
        protected = func.coalesce(AccountRow.protected, False)
        query = (
            _with_actions()
            .outerjoin(AccountRow, AccountRow.account_id == CaseRow.account_id)
            .where(
                CaseRow.status == CaseStatus.OPEN.value,
                protected.is_(True) if queue is Queue.PROTECTED else protected.is_(False),
                or_(
                    CaseRow.lease_holder.is_(None),
                    CaseRow.lease_expires_at <= now,
                    CaseRow.lease_holder == reviewer_id,
                ),
            )
            .order_by(CaseRow.priority.desc(), CaseRow.created_at.asc(), CaseRow.id.asc())
        )
        found: list[Case] = []
        with self._sessions() as session:
            # Skills are checked here, not in SQL: read in pages until the queue is full.
            for row in session.scalars(query.execution_options(yield_per=200)):
                if review.suits(reviewer, row.language, row.categories or ()):
                    found.append(_case(row))
                    if len(found) == limit:
                        break
        return found

    def claim(self, case_id: str, reviewer_id: str, lease_seconds: float) -> Case:
        """Gives the reviewer the case for `lease_seconds` (again, if they hold it); no
        two reviewers ever hold one case, and an expired lease is free to take."""
        with self._write() as session:
            row = self._row(session, case_id, lock=True)
            reviewer = _reviewer(self._reviewer_row(session, reviewer_id))
            if row.status != CaseStatus.OPEN.value:
                raise FailedPrecondition(
                    f"case {case_id} is {row.status}; only OPEN cases are reviewed"
                )
            account = session.get(AccountRow, row.account_id)
            queue = Queue.PROTECTED if account is not None and account.protected else Queue.GENERAL
            refused = review.refusal(reviewer, queue)
            if refused:
                raise FailedPrecondition(f"{refused}, where case {case_id} is")
            now = self._now()
            if (
                row.lease_holder not in (None, reviewer_id)
                and row.lease_expires_at is not None
                and as_utc(row.lease_expires_at) > now
            ):
                raise FailedPrecondition(
                    f"case {case_id} is held by reviewer {row.lease_holder} until "
                    f"{as_utc(row.lease_expires_at).isoformat()}"
                )
            row.lease_holder = reviewer_id
            row.lease_expires_at = now + timedelta(seconds=lease_seconds)
            row.updated_at = now
            self._audit(
                session,
                "case.claimed",
                case_id,
                {"lease_expires_at": row.lease_expires_at.isoformat()},
                actor=reviewer_id,
            )
            return _case(row)

    def release(self, case_id: str, reviewer_id: str) -> Case:
        """Returns a case the reviewer holds to the queue."""
        with self._write() as session:
            row = self._row(session, case_id, lock=True)
            if row.lease_holder != reviewer_id:
                raise FailedPrecondition(f"reviewer {reviewer_id} does not hold case {case_id}")
            row.lease_holder = row.lease_expires_at = None
            row.updated_at = self._now()
            self._audit(session, "case.released", case_id, {}, actor=reviewer_id)
            return _case(row)

    # --------------------------------------------------------------------- backfills

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
            row = CaseRow(
                id=uuid.uuid4().hex,
                status=CaseStatus.PROCESSING.value,
                media_sha256=origin.media_sha256,
                media_uri=origin.media_uri,
                media_size=origin.media_size,
                media_mime=origin.media_mime,
                account_id=origin.account_id,
                content_id=origin.content_id,
                capture_time=origin.capture_time,
                retro_of=origin.id,
                retro_key=key,
                statement="",
                error="",
                created_at=now,
                updated_at=now,
                actions=[],
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

    # ------------------------------------------------------------------- live streams

    def open_stream(
        self, stream_id: str, account_id: str, start_time: datetime, resume_from: float
    ) -> LiveStream:
        """Opens a new stream, or resumes one that was not ended, for its own account and
        from an offset it was moderated up to."""
        with self._write() as session:
            row = session.get(LiveStreamRow, stream_id, with_for_update=True)
            if row is None:
                if resume_from > 0:
                    raise FailedPrecondition(
                        f"stream {stream_id} has not been moderated yet; "
                        "resume_from_seconds must be 0",
                        field="open.resume_from_seconds",
                    )
                now = self._now()
                row = LiveStreamRow(
                    stream_id=stream_id,
                    account_id=account_id,
                    start_time=as_utc(start_time),
                    moderated_seconds=0.0,
                    last_flag_sequence=0,
                    case_id=None,
                    created_at=now,
                    updated_at=now,
                    ended_at=None,
                    flags=[],
                )
                session.add(row)
                self._audit(
                    session,
                    "stream.opened",
                    f"streams/{stream_id}",
                    {"account_id": account_id, "start_time": row.start_time.isoformat()},
                )
                return _live_stream(row, resumed=False)
            if row.account_id != account_id:
                # The owner is not named: stream ids must not reveal who broadcasts.
                raise AlreadyExists(
                    f"stream id {stream_id!r} belongs to another account; use another id",
                    field="open.stream_id",
                )
            if row.ended_at is not None:
                raise FailedPrecondition(
                    f"stream {stream_id} ended at {as_utc(row.ended_at).isoformat()}; "
                    "a new broadcast needs a new stream id",
                    field="open.stream_id",
                )
            if resume_from > row.moderated_seconds:
                raise FailedPrecondition(
                    f"stream {stream_id} is moderated up to {row.moderated_seconds:.3f} s; "
                    f"resume from there or earlier, not from {resume_from:.3f} s",
                    field="open.resume_from_seconds",
                )
            return _live_stream(row, resumed=True)

    def record_live_update(
        self,
        stream_id: str,
        found: Sequence[tuple[TermHit, tuple[Word, ...]]],
        moderated_seconds: float,
    ) -> tuple[list[LiveFlag], LiveAction | None]:
        """Stores new hits as the stream's next flags and moves its moderated offset, in
        one transaction. With new flags, the rules in force decide on all the stream's
        hits: a queue or an action goes to the stream's one case (made on first need);
        returns the action when a rule took one now."""
        # Read before the write transaction (SQLite allows one writer and no reader
        # beside it on the same thread's other connection).
        rule_set = self.active_rules().rule_set
        with self._write() as session:
            stream = session.get(LiveStreamRow, stream_id, with_for_update=True)
            if stream is None:
                raise NotFound(f"stream {stream_id!r} not found", field="open.stream_id")
            account = session.get(AccountRow, stream.account_id)
            now = self._now()
            added = []
            for hit, context in found:
                stream.last_flag_sequence += 1
                assert hit.time_range is not None
                added.append(
                    LiveFlagRow(
                        stream_id=stream_id,
                        sequence=stream.last_flag_sequence,
                        list_id=hit.list_id,
                        list_version=hit.list_version,
                        term_id=hit.term_id,
                        start_seconds=hit.time_range.start_seconds,
                        end_seconds=hit.time_range.end_seconds,
                        hit=term_hit_json(hit),
                        context=words_json(context),
                        created_at=now,
                    )
                )
            stream.flags.extend(added)
            stream.moderated_seconds = max(stream.moderated_seconds, moderated_seconds)
            stream.updated_at = now
            action = None
            if added:
                self._audit(
                    session,
                    "stream.flagged",
                    f"streams/{stream_id}",
                    {
                        "flags": [
                            [f.sequence, f.list_id, f.list_version, f.term_id] for f in added
                        ],
                        "offsets": [[f.start_seconds, f.end_seconds] for f in added],
                    },
                )
                facts = Facts(
                    Evidence(term_hits=tuple(term_hit_from_json(f.hit) for f in stream.flags)),
                    frozenset(account.flags) if account else frozenset(),
                    bool(account and account.protected),
                )
                action = self._decide_stream(session, stream, facts, rule_set.decide(facts))
            flags = [
                LiveFlag(
                    f.sequence,
                    term_hit_from_json(f.hit),
                    words_from_json(f.context),
                    stream.case_id,
                )
                for f in added
            ]
            return flags, action

    def _decide_stream(
        self, session: Session, stream: LiveStreamRow, facts: Facts, decision: Decision
    ) -> LiveAction | None:
        """Records what the rules decided on the stream's hits in its case: one case per
        stream, updated while it is open; a decided case is left as it is."""
        if decision.outcome.status is not CaseStatus.OPEN and decision.auto_action is None:
            return None  # ignored, or no rule applies: no case to make
        if stream.case_id is None:
            now = self._now()
            row = CaseRow(
                id=uuid.uuid4().hex,
                status=CaseStatus.OPEN.value,
                # Live audio is not stored: the case points at the stream, not a blob.
                media_sha256="",
                media_uri=f"live:{stream.stream_id}",
                media_size=0,
                media_mime="",
                account_id=stream.account_id,
                content_id=stream.stream_id,
                capture_time=stream.start_time,
                retro_key="",
                statement="",
                error="",
                created_at=now,
                updated_at=now,
                actions=[],
            )
            session.add(row)
            stream.case_id = row.id
        else:
            row = self._row(session, stream.case_id, lock=True)
            if row.status != CaseStatus.OPEN.value:
                return None
        self._apply_decision(
            session,
            row,
            facts.evidence,
            decision,
            "case.stream_evidence_recorded",
            stream_id=stream.stream_id,
        )
        if decision.auto_action is None:
            return None
        outcome = decision.outcome
        return LiveAction(decision.auto_action, row.id, outcome.rule, outcome.statement)

    def end_stream(self, stream_id: str, moderated_seconds: float) -> LiveStream:
        """Marks the stream ended (its id cannot be opened again)."""
        with self._write() as session:
            row = session.get(LiveStreamRow, stream_id, with_for_update=True)
            if row is None:
                raise NotFound(f"stream {stream_id!r} not found", field="open.stream_id")
            now = self._now()
            row.moderated_seconds = max(row.moderated_seconds, moderated_seconds)
            row.ended_at = row.updated_at = now
            self._audit(
                session,
                "stream.ended",
                f"streams/{stream_id}",
                {
                    "moderated_seconds": row.moderated_seconds,
                    "flags": row.last_flag_sequence,
                    "case_id": row.case_id,
                },
            )
            return _live_stream(row, resumed=True)

    def live_stream(self, stream_id: str) -> LiveStream:
        with self._sessions() as session:
            row = session.get(LiveStreamRow, stream_id)
            if row is None:
                raise NotFound(f"stream {stream_id!r} not found", field="stream_id")
            return _live_stream(row, resumed=True)

    def stream_flags(self, stream_id: str) -> list[LiveFlag]:
        """The flags a stream raised, in order."""
        query = (
            select(LiveFlagRow, LiveStreamRow.case_id)
            .join(LiveStreamRow, LiveStreamRow.stream_id == LiveFlagRow.stream_id)
            .where(LiveFlagRow.stream_id == stream_id)
            .order_by(LiveFlagRow.sequence)
        )
        with self._sessions() as session:
            return [
                LiveFlag(f.sequence, term_hit_from_json(f.hit), words_from_json(f.context), case_id)
                for f, case_id in session.execute(query)
            ]

    # ----------------------------------------------------------------------- appeals

    def file_appeal(self, case_id: str, appellant: str, statement: str) -> Appeal:
        """The affected account contests the latest action carried out against its
        content (a removal, an ended stream); once per action."""
        with self._write() as session:
            row = self._row(session, case_id, lock=True)
            if appellant != row.account_id:
                raise FailedPrecondition(
                    f"only the affected account ({row.account_id}) can appeal case {case_id}"
                )
            carried_out = [a for a in row.actions if ActionType(a.type) in CARRIED_OUT]
            if not carried_out:
                raise FailedPrecondition(
                    f"case {case_id} has no action against the content to appeal"
                )
            action = carried_out[-1]
            for earlier in row.appeals:
                if earlier.action_id == action.id:
                    raise AlreadyExists(
                        f"appeal {earlier.id} against this action was filed already "
                        f"({earlier.status})"
                    )
            appeal = AppealRow(
                id=uuid.uuid4().hex,
                case_id=case_id,
                action_id=action.id,
                appellant=appellant,
                statement=statement,
                status=AppealStatus.OPEN.value,
                reviewer=None,
                decision_reason="",
                created_at=self._now(),
                decided_at=None,
            )
            row.appeals.append(appeal)
            self._audit(
                session,
                "appeal.filed",
                case_id,
                {"appeal_id": appeal.id, "action_id": action.id, "statement": statement},
                actor=appellant,
            )
            return _appeal(appeal)

    def decide_appeal(self, appeal_id: str, reviewer_id: str, uphold: bool, reason: str) -> Appeal:
        """A reviewer other than the one who acted decides; an upheld appeal queues the
        reversal of the action through the adapter, in the same transaction."""
        with self._write() as session:
            appeal = session.get(AppealRow, appeal_id, with_for_update=True)
            if appeal is None:
                raise NotFound(f"appeal {appeal_id!r} not found", field="appeal_id")
            if appeal.status != AppealStatus.OPEN.value:
                raise FailedPrecondition(
                    f"appeal {appeal_id} was decided already ({appeal.status} by {appeal.reviewer})"
                )
            self._reviewer_row(session, reviewer_id)
            case = self._row(session, appeal.case_id)
            [action] = [a for a in case.actions if a.id == appeal.action_id]
            if action.actor == reviewer_id:
                raise FailedPrecondition(
                    f"reviewer {reviewer_id} took the action under appeal; "
                    "a different reviewer must decide the appeal"
                )
            now = self._now()
            appeal.status = (AppealStatus.UPHELD if uphold else AppealStatus.REJECTED).value
            appeal.reviewer = reviewer_id
            appeal.decision_reason = reason
            appeal.decided_at = now
            case.updated_at = now
            if uphold:
                self._add_delivery(session, case, action, "reverse")
            self._audit(
                session,
                "appeal.decided",
                appeal.case_id,
                {
                    "appeal_id": appeal.id,
                    "action_id": action.id,
                    "status": appeal.status,
                    "reason": reason,
                },
                actor=reviewer_id,
            )
            return _appeal(appeal)

    def list_appeals(self, status: AppealStatus | None, limit: int) -> list[Appeal]:
        """Appeals oldest first (the order they should be decided in)."""
        query = select(AppealRow).order_by(AppealRow.created_at.asc(), AppealRow.id.asc())
        if status is not None:
            query = query.where(AppealRow.status == status.value)
        with self._sessions() as session:
            return [_appeal(row) for row in session.scalars(query.limit(limit))]

    # -------------------------------------------------------------------- deliveries

    def due_deliveries(self, limit: int) -> list[Delivery]:
        """Pending deliveries whose next attempt is due, oldest first."""
        query = (
            select(DeliveryRow)
            .where(
                DeliveryRow.status == DeliveryStatus.PENDING.value,
                DeliveryRow.next_attempt_at <= self._now(),
            )
            .order_by(DeliveryRow.next_attempt_at.asc(), DeliveryRow.id.asc())
            .limit(limit)
        )
        with self._sessions() as session:
            return [
                Delivery(
                    r.id, r.action_id, r.case_id, r.kind, r.payload, r.idempotency_key, r.attempts
                )
                for r in session.scalars(query)
            ]

    def record_delivery(
        self,
        delivery_id: str,
        error: str | None,
        retry_at: datetime | None = None,
        via: str = "",
    ) -> DeliveryStatus:
        """Records one attempt: delivered (no error), to be retried at `retry_at`, or,
        without a retry time, dead-lettered for an operator to look at."""
        with self._write() as session:
            row = session.get(DeliveryRow, delivery_id, with_for_update=True)
            if row is None:
                raise NotFound(f"delivery {delivery_id!r} not found")
            if row.status != DeliveryStatus.PENDING.value:
                # Another dispatcher got there first; recording it twice would lie.
                return DeliveryStatus(row.status)
            row.attempts += 1
            row.updated_at = self._now()
            details: dict[str, Any] = {
                "delivery_id": row.id,
                "action_id": row.action_id,
                "kind": row.kind,
                "attempts": row.attempts,
                "via": via,
            }
            if error is None:
                row.status = DeliveryStatus.DELIVERED.value
                event = "action.delivered"
            elif retry_at is not None:
                row.last_error = error
                row.next_attempt_at = as_utc(retry_at)
                event = "action.delivery_failed"
                details |= {"error": error, "retry_at": row.next_attempt_at.isoformat()}
            else:
                row.last_error = error
                row.status = DeliveryStatus.DEAD.value
                event = "action.dead_lettered"
                details |= {"error": error}
            self._audit(session, event, row.case_id, details)
            return DeliveryStatus(row.status)

    # ------------------------------------------------------------------------- rules

    def active_rules(self) -> PublishedRuleSet:
        """The newest published rule set, or the built-in default before any."""
        with self._sessions() as session:
            row = session.scalars(
                select(RuleSetRow).order_by(RuleSetRow.version.desc()).limit(1)
            ).first()
            return DEFAULT_PUBLISHED if row is None else _published(row)

    def rules(self, version: int) -> PublishedRuleSet:
        if version == DEFAULT_RULE_SET.version:
            return DEFAULT_PUBLISHED
        with self._sessions() as session:
            row = session.get(RuleSetRow, version)
            if row is None:
                raise NotFound(f"rule set version {version} not found", field="version")
            return _published(row)

    def publish_rules(
        self, document: dict[str, Any], source: str, actor: str, reason: str
    ) -> PublishedRuleSet:
        """Checks the document and stores it as the next version, in force at once."""
        with self._write() as session:
            newest = session.scalars(select(func.max(RuleSetRow.version))).one()
            version = max(newest or 0, DEFAULT_RULE_SET.version) + 1
            parse_rule_set(document, version)  # refuses a bad document before anything
            row = RuleSetRow(
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

    def audit_log(self) -> list[AuditEntry]:
        return list(read_entries(self._engine))

    def _now(self) -> datetime:
        return as_utc(self._clock())

    @contextmanager
    def _write(self) -> Iterator[Session]:
        with self._write_lock, self._sessions.begin() as session:
            yield session

    def _row(self, session: Session, case_id: str, lock: bool = False) -> CaseRow:
        query = _with_actions().where(CaseRow.id == case_id)
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


def _delivery_status(action: ActionRow) -> DeliveryStatus | None:
    """The state of the action's latest delivery (a reversal follows its application)."""
    return DeliveryStatus(action.deliveries[-1].status) if action.deliveries else None


def _published(row: RuleSetRow) -> PublishedRuleSet:
    return PublishedRuleSet(
        parse_rule_set(row.document, row.version),
        row.source,
        row.actor,
        row.reason,
        as_utc(row.created_at),
    )


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


def _live_stream(row: LiveStreamRow, resumed: bool) -> LiveStream:
    return LiveStream(
        stream_id=row.stream_id,
        account_id=row.account_id,
        start_time=as_utc(row.start_time),
        moderated_seconds=row.moderated_seconds,
        last_flag_sequence=row.last_flag_sequence,
        resumed=resumed,
        flagged=tuple(term_hit_from_json(f.hit) for f in row.flags),
    )


def _appeal(row: AppealRow) -> Appeal:
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


def _reviewer(row: ReviewerRow) -> Reviewer:
    return Reviewer(
        row.reviewer_id, frozenset(row.languages), frozenset(row.categories), row.protected_queue
    )


def _account(row: AccountRow) -> Account:
    return Account(row.account_id, frozenset(row.flags), row.protected)


def _with_actions() -> Any:
    return select(CaseRow).options(
        selectinload(CaseRow.actions).selectinload(ActionRow.deliveries),
        selectinload(CaseRow.appeals),
    )


def _case(row: CaseRow) -> Case:
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
        appeals=tuple(_appeal(appeal) for appeal in row.appeals),
    )
