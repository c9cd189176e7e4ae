"""The case RPCs: GetCase and ListCases."""

from __future__ import annotations

import asyncio
import json

import grpc

from modmesh.contracts.decision.v1 import decision_pb2
from modmesh.contracts.timestamps import to_timestamp
from modmesh.decision import convert, paging
from modmesh.decision.cases.store import CaseStore, listing_order
from modmesh.decision.domain import CaseFilter
from modmesh.decision.rpc import Rpcs, filter_value, list_limit, require_case_id
from modmesh.decision.tenancy import admit, caller_scope


class CaseRpcs(Rpcs):
    _case_store: CaseStore

    async def GetCase(
        self, request: decision_pb2.GetCaseRequest, context: grpc.aio.ServicerContext
    ) -> decision_pb2.GetCaseResponse:
        self._ready()
        require_case_id(request.case_id)
        await admit(self._case_owners, request.case_id)
        case = await asyncio.to_thread(self._case_store.get, request.case_id)
        return decision_pb2.GetCaseResponse(case=convert.case_to_pb(case))

    async def ListCaseAudit(
        self, request: decision_pb2.ListCaseAuditRequest, context: grpc.aio.ServicerContext
    ) -> decision_pb2.ListCaseAuditResponse:
        self._ready()
        require_case_id(request.case_id)
        await admit(self._case_owners, request.case_id)
        entries = await asyncio.to_thread(self._case_store.case_audit, request.case_id)
        return decision_pb2.ListCaseAuditResponse(
            entries=[
                decision_pb2.CaseAuditEntry(
                    at=to_timestamp(entry.at),
                    actor=entry.actor,
                    action=entry.action,
                    details_json=json.dumps(entry.details, sort_keys=True),
                )
                for entry in entries
            ]
        )

    async def ListCases(
        self, request: decision_pb2.ListCasesRequest, context: grpc.aio.ServicerContext
    ) -> decision_pb2.ListCasesResponse:
        self._ready()
        status = convert.status_from_pb(request.status)
        limit = list_limit(request.limit)
        order = listing_order(status)
        after = paging.cursor_from(request.page_token, order)
        wanted = CaseFilter(account_id=filter_value(request.account_id, "account_id"))
        scope = caller_scope()
        # One case more than the page: whether another page follows.
        cases = await asyncio.to_thread(
            self._case_store.list_cases, status, limit + 1, scope, wanted, after
        )
        page, token = paging.split_page(cases, limit, order)
        return decision_pb2.ListCasesResponse(
            cases=[convert.case_to_pb(c) for c in page], next_page_token=token
        )
