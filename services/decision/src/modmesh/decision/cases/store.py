"""The cases' store as the case RPCs read it: one case, and cases by status, a page at a
time."""

from __future__ import annotations

from typing import Protocol

from sqlalchemy import select

from modmesh.decision import paging
from modmesh.decision.audit import AUDIT_TABLE
from modmesh.decision.domain import EVERY_CASE, Case, CaseFilter, CaseStatus
from modmesh.decision.facets import where_matching
from modmesh.decision.rows import case_from_row, cases_with_actions
from modmesh.decision.store import StoreBase
from modmesh.decision.tables import CaseRow
from modmesh.decision.tenancy import where_admitted
from modmesh.runtime.audit import AuditEntry, audit_entry
from modmesh.runtime.tenancy import UNRESTRICTED, CaseScope

#: The most entries a case's trail reads: far more than a case gathers.
CASE_AUDIT_LIMIT = 500


def listing_order(status: CaseStatus | None) -> paging.Order:
    """OPEN cases as the review queue (most urgent, then oldest first); others newest
    first."""
    return paging.Order.QUEUE if status is CaseStatus.OPEN else paging.Order.NEWEST


class CaseStore(Protocol):
    """What the case RPCs read. Blocking; call it off the event loop."""

    def get(self, case_id: str) -> Case: ...

    def list_cases(
        self,
        status: CaseStatus | None,
        limit: int,
        scope: CaseScope = UNRESTRICTED,
        wanted: CaseFilter = EVERY_CASE,
        after: paging.Cursor | None = None,
    ) -> list[Case]: ...

    def case_audit(self, case_id: str) -> list[AuditEntry]: ...


class SqlCases(StoreBase):
    def get(self, case_id: str) -> Case:
        with self._sessions() as session:
            return case_from_row(self._row(session, case_id))

    def case_audit(self, case_id: str) -> list[AuditEntry]:
        """The audit log's entries whose subject is the case, oldest first (at most
        CASE_AUDIT_LIMIT)."""
        query = (
            select(AUDIT_TABLE)
            .where(AUDIT_TABLE.c.subject == case_id)
            .order_by(AUDIT_TABLE.c.id)
            .limit(CASE_AUDIT_LIMIT)
        )
        with self._sessions() as session:
            return [audit_entry(row) for row in session.execute(query)]

    def list_cases(
        self,
        status: CaseStatus | None,
        limit: int,
        scope: CaseScope = UNRESTRICTED,
        wanted: CaseFilter = EVERY_CASE,
        after: paging.Cursor | None = None,
    ) -> list[Case]:
        """Cases in `status` (any, for None) in their `listing_order`, after the cursor
        `after`; only those `scope` admits and `wanted` keeps."""
        query = cases_with_actions().where(where_admitted(scope), where_matching(wanted))
        if status is not None:
            query = query.where(CaseRow.status == status.value)
        if after is not None:
            query = query.where(paging.after(after))
        query = query.order_by(*paging.order_by(listing_order(status))).limit(limit)
        with self._sessions() as session:
            return [case_from_row(row) for row in session.scalars(query)]
