"""The cases' store as the case RPCs read it: one case, and cases by status."""

from __future__ import annotations

from typing import Protocol

from modmesh.decision.domain import Case, CaseStatus
from modmesh.decision.rows import case_from_row, cases_with_actions
from modmesh.decision.store import StoreBase
from modmesh.decision.tables import CaseRow
from modmesh.decision.tenancy import where_admitted
from modmesh.runtime.tenancy import UNRESTRICTED, CaseScope


class CaseStore(Protocol):
    """What the case RPCs read. Blocking; call it off the event loop."""

    def get(self, case_id: str) -> Case: ...

    def list_cases(
        self, status: CaseStatus | None, limit: int, scope: CaseScope = UNRESTRICTED
    ) -> list[Case]: ...


class SqlCases(StoreBase):
    def get(self, case_id: str) -> Case:
        with self._sessions() as session:
            return case_from_row(self._row(session, case_id))

    def list_cases(
        self, status: CaseStatus | None, limit: int, scope: CaseScope = UNRESTRICTED
    ) -> list[Case]:
        """OPEN cases as the review queue (most urgent, then oldest first); others newest
        first; only those `scope` admits."""
        query = cases_with_actions().where(where_admitted(scope))
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
