"""Appeals: the affected account contests an action; a different reviewer decides."""

from __future__ import annotations

import uuid
from typing import Protocol

from sqlalchemy import select

from modmesh.decision.domain import (
    CARRIED_OUT,
    ActionType,
    Appeal,
    AppealStatus,
)
from modmesh.decision.rows import appeal_from_row
from modmesh.decision.store import StoreBase
from modmesh.decision.tables import (
    AppealRow,
    CaseRow,
)
from modmesh.decision.tenancy import where_admitted
from modmesh.runtime.errors import AlreadyExists, FailedPrecondition, NotFound
from modmesh.runtime.tenancy import UNRESTRICTED, CaseScope


class AppealStore(Protocol):
    """What appeals read and write. Blocking; call it off the event loop."""

    def file_appeal(self, case_id: str, appellant: str, statement: str) -> Appeal: ...

    def decide_appeal(
        self, appeal_id: str, reviewer_id: str, uphold: bool, reason: str
    ) -> Appeal: ...

    def list_appeals(
        self, status: AppealStatus | None, limit: int, scope: CaseScope = UNRESTRICTED
    ) -> list[Appeal]: ...


class SqlAppeals(StoreBase):
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
            return appeal_from_row(appeal)

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
            return appeal_from_row(appeal)

    def list_appeals(
        self, status: AppealStatus | None, limit: int, scope: CaseScope = UNRESTRICTED
    ) -> list[Appeal]:
        """Appeals oldest first (the order they should be decided in), on cases `scope`
        admits."""
        query = (
            select(AppealRow)
            .join(CaseRow, CaseRow.id == AppealRow.case_id)
            .where(where_admitted(scope))
            .order_by(AppealRow.created_at.asc(), AppealRow.id.asc())
        )
        if status is not None:
            query = query.where(AppealRow.status == status.value)
        with self._sessions() as session:
            return [appeal_from_row(row) for row in session.scalars(query.limit(limit))]
