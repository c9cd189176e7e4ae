"""Review's store: reviewers, accounts, the review queues, leases and reviewers' actions."""

from __future__ import annotations

from datetime import timedelta
from typing import Protocol

from sqlalchemy import ColumnElement, and_, exists, func, or_, select, true
from sqlalchemy.orm import Session

from modmesh.decision import paging
from modmesh.decision.audit import as_utc
from modmesh.decision.domain import (
    EVERY_CASE,
    LIVE_MEDIA_SCHEME,
    Account,
    ActionType,
    Case,
    CaseFilter,
    CaseStatus,
    Queue,
    Reviewer,
)
from modmesh.decision.facets import Facet, has_facet, where_matching
from modmesh.decision.review import core as review
from modmesh.decision.rows import case_from_row, cases_with_actions
from modmesh.decision.store import StoreBase
from modmesh.decision.tables import (
    AccountRow,
    CaseRow,
    LiveStreamRow,
    ReviewerRow,
)
from modmesh.decision.tenancy import where_admitted
from modmesh.runtime.errors import FailedPrecondition
from modmesh.runtime.tenancy import UNRESTRICTED, CaseScope


class ReviewStore(Protocol):
    """What review reads and writes. Blocking; call it off the event loop."""

    def put_reviewer(self, reviewer: Reviewer, actor: str, reason: str) -> Reviewer: ...

    def reviewer(self, reviewer_id: str) -> Reviewer: ...

    def put_account(self, account: Account, actor: str, reason: str) -> Account: ...

    def account(self, account_id: str) -> Account: ...

    def review_queue(
        self,
        reviewer_id: str,
        queue: Queue,
        limit: int,
        scope: CaseScope = UNRESTRICTED,
        wanted: CaseFilter = EVERY_CASE,
        after: paging.Cursor | None = None,
    ) -> list[Case]: ...

    def queue_size(
        self, reviewer_id: str, queue: Queue, scope: CaseScope, wanted: CaseFilter
    ) -> int: ...

    def claim(self, case_id: str, reviewer_id: str, lease_seconds: float) -> Case: ...

    def release(self, case_id: str, reviewer_id: str) -> Case: ...

    def record_action(
        self, case_id: str, action_type: ActionType, actor: str, reason: str
    ) -> Case: ...


class SqlReview(StoreBase):
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

    def review_queue(
        self,
        reviewer_id: str,
        queue: Queue,
        limit: int,
        scope: CaseScope = UNRESTRICTED,
        wanted: CaseFilter = EVERY_CASE,
        after: paging.Cursor | None = None,
    ) -> list[Case]:
        """The open cases of `queue` this reviewer may take, most urgent then oldest
        first (after the cursor `after`): unclaimed ones (or with an expired lease) and
        the reviewer's own, within the reviewer's skills, `scope` and `wanted`."""
        query = cases_with_actions().where(self._queue(reviewer_id, queue, scope, wanted))
        if after is not None:
            query = query.where(paging.after(after))
        query = query.order_by(*paging.order_by(paging.Order.QUEUE)).limit(limit)
        with self._sessions() as session:
            return [case_from_row(row) for row in session.scalars(query)]

    def queue_size(
        self, reviewer_id: str, queue: Queue, scope: CaseScope, wanted: CaseFilter
    ) -> int:
        """How many cases `review_queue` lists on all its pages: one count over the same
        conditions, answered from the indexes (no evidence is read)."""
        condition = self._queue(reviewer_id, queue, scope, wanted)
        with self._sessions() as session:
            return session.scalar(select(func.count()).select_from(CaseRow).where(condition)) or 0

    def _queue(
        self, reviewer_id: str, queue: Queue, scope: CaseScope, wanted: CaseFilter
    ) -> ColumnElement[bool]:
        reviewer = self.reviewer(reviewer_id)
        refused = review.refusal(reviewer, queue)
        if refused:
            raise FailedPrecondition(refused)
        protected = exists(
            select(AccountRow.account_id).where(
                AccountRow.account_id == CaseRow.account_id, AccountRow.protected.is_(True)
            )
        )
        return and_(
            CaseRow.status == CaseStatus.OPEN.value,
            protected if queue is Queue.PROTECTED else ~protected,
            or_(
                CaseRow.lease_holder.is_(None),
                CaseRow.lease_expires_at <= self._now(),
                CaseRow.lease_holder == reviewer_id,
            ),
            _within_skills(reviewer),
            where_admitted(scope),
            where_matching(wanted),
        )

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
            return case_from_row(row)

    def release(self, case_id: str, reviewer_id: str) -> Case:
        """Returns a case the reviewer holds to the queue."""
        with self._write() as session:
            row = self._row(session, case_id, lock=True)
            if row.lease_holder != reviewer_id:
                raise FailedPrecondition(f"reviewer {reviewer_id} does not hold case {case_id}")
            row.lease_holder = row.lease_expires_at = None
            row.updated_at = self._now()
            self._audit(session, "case.released", case_id, {}, actor=reviewer_id)
            return case_from_row(row)

    def record_action(self, case_id: str, action_type: ActionType, actor: str, reason: str) -> Case:
        """Records a reviewer's decision on an OPEN case they hold the lease of: ESCALATE
        keeps it open as URGENT (and returns it to the queue), any other decision closes
        it. A removal is queued for delivery through the action adapter; END_STREAM on a
        live stream's case also ends the stream (`_end_stream`)."""
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
            expires = row.lease_expires_at
            if expires is None:
                raise ValueError(f"case {case_id} is held without an expiry")  # claim sets both
            if as_utc(expires) <= now:
                raise FailedPrecondition(
                    f"the lease of reviewer {actor} on case {case_id} expired at "
                    f"{as_utc(expires).isoformat()}; claim it again"
                )
            self._add_action(session, row, action_type, actor, reason)
            if action_type is ActionType.END_STREAM:
                self._end_stream(session, row, actor)
            return case_from_row(row)

    def _end_stream(self, session: Session, case: CaseRow, actor: str) -> None:
        """Ends the stream on air that `case` records, if it records one: its id cannot
        be opened again, and the call moderating it tells its client at its next write
        (modmesh.decision.live.store.StreamEnded). The platform is told to cut the
        broadcast by the action's delivery, like any action, whatever the client does."""
        if not case.media_uri.startswith(LIVE_MEDIA_SCHEME):
            return
        stream = session.get(LiveStreamRow, case.content_id, with_for_update=True)
        if stream is None or stream.case_id != case.id or stream.ended_at is not None:
            return
        stream.ended_at = stream.updated_at = self._now()
        self._audit(
            session,
            "stream.ended",
            f"streams/{stream.stream_id}",
            {
                "moderated_seconds": stream.moderated_seconds,
                "flags": stream.last_flag_sequence,
                "case_id": case.id,
            },
            actor=actor,
        )


def _within_skills(reviewer: Reviewer) -> ColumnElement[bool]:
    """The cases whose language and categories are within the reviewer's skills (see
    modmesh.decision.review.core): in SQL, so that the queue pages and counts there."""
    condition: ColumnElement[bool] = true()
    if reviewer.languages:
        languages = sorted(reviewer.languages)
        condition = condition & or_(CaseRow.language == "", CaseRow.language.in_(languages))
    if reviewer.categories:
        categories = reviewer.categories
        judged = has_facet(Facet.CATEGORY, categories)
        condition = condition & or_(~has_facet(Facet.CATEGORY), judged)
    return condition


def _reviewer(row: ReviewerRow) -> Reviewer:
    return Reviewer(
        row.reviewer_id, frozenset(row.languages), frozenset(row.categories), row.protected_queue
    )


def _account(row: AccountRow) -> Account:
    return Account(row.account_id, frozenset(row.flags), row.protected)
