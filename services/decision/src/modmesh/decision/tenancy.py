"""Tenant boundaries in decision: the scope a call carries and the cases it admits.

Every handler that names a case asks `admit` first; one outside the caller's scope is
NOT_FOUND with the same message as a missing one, so another tenant's ids reveal
nothing. List handlers filter in SQL with `where_admitted` (live streams with
`where_stream_admitted`: a stream belongs to its account and the credential that
opened it, as its case does).
"""

from __future__ import annotations

import asyncio
from typing import Protocol

from sqlalchemy import ColumnElement, select, true

from modmesh.decision.store import StoreBase
from modmesh.decision.tables import AppealRow, CaseRow, LiveStreamRow
from modmesh.runtime.errors import NotFound
from modmesh.runtime.identity import current_caller
from modmesh.runtime.tenancy import UNRESTRICTED, CaseScope


def caller_scope() -> CaseScope:
    """The scope of the call being served (the one place decision reads it): its end
    user's, from the signed token; a call for nobody (the CLI) is unrestricted."""
    user = current_caller().user
    return UNRESTRICTED if user is None else user.scope


class CaseOwners(Protocol):
    """Who a case belongs to. Blocking; call it off the event loop."""

    def owner(self, case_id: str) -> tuple[str, str] | None: ...

    def appeal_owner(self, appeal_id: str) -> tuple[str, str] | None: ...


class SqlOwners(StoreBase):
    def owner(self, case_id: str) -> tuple[str, str] | None:
        """The case's (tenant, account id), or None when there is no such case."""
        query = select(CaseRow.tenant, CaseRow.account_id).where(CaseRow.id == case_id)
        with self._sessions() as session:
            row = session.execute(query).one_or_none()
        return None if row is None else (row.tenant, row.account_id)

    def appeal_owner(self, appeal_id: str) -> tuple[str, str] | None:
        """The (tenant, account id) of the appealed case, or None when there is no such
        appeal."""
        query = (
            select(CaseRow.tenant, CaseRow.account_id)
            .join(AppealRow, AppealRow.case_id == CaseRow.id)
            .where(AppealRow.id == appeal_id)
        )
        with self._sessions() as session:
            row = session.execute(query).one_or_none()
        return None if row is None else (row.tenant, row.account_id)


async def admit(owners: CaseOwners, case_id: str) -> None:
    """Returns when the caller's scope admits the case; NOT_FOUND otherwise."""
    scope = caller_scope()
    if scope.restricted:
        owner = await asyncio.to_thread(owners.owner, case_id)
        if owner is None or not scope.admits(*owner):
            raise NotFound(f"case {case_id!r} not found", field="case_id")


async def admit_appeal(owners: CaseOwners, appeal_id: str) -> None:
    """Returns when the caller's scope admits the appealed case; NOT_FOUND otherwise."""
    scope = caller_scope()
    if scope.restricted:
        owner = await asyncio.to_thread(owners.appeal_owner, appeal_id)
        if owner is None or not scope.admits(*owner):
            raise NotFound(f"appeal {appeal_id!r} not found", field="appeal_id")


def where_admitted(scope: CaseScope) -> ColumnElement[bool]:
    """The SQL condition on cases that `scope` admits."""
    condition: ColumnElement[bool] = true()
    if scope.tenants is not None:
        condition = condition & CaseRow.tenant.in_(sorted(scope.tenants))
    if scope.account is not None:
        condition = condition & (CaseRow.account_id == scope.account)
    return condition


def where_stream_admitted(scope: CaseScope) -> ColumnElement[bool]:
    """The SQL condition on live streams that `scope` admits."""
    condition: ColumnElement[bool] = true()
    if scope.tenants is not None:
        condition = condition & LiveStreamRow.tenant.in_(sorted(scope.tenants))
    if scope.account is not None:
        condition = condition & (LiveStreamRow.account_id == scope.account)
    return condition
