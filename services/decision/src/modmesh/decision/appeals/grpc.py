"""The appeal RPCs: FileAppeal, DecideAppeal and ListAppeals."""

from __future__ import annotations

import asyncio

import grpc

from modmesh.contracts.decision.v1 import decision_pb2
from modmesh.decision import convert
from modmesh.decision.appeals.store import AppealStore
from modmesh.decision.rpc import Rpcs, list_limit, require_case_id, require_text
from modmesh.decision.tenancy import admit, admit_appeal, caller_scope
from modmesh.runtime.identity import acting_principal


class AppealRpcs(Rpcs):
    _appeal_store: AppealStore

    async def FileAppeal(
        self, request: decision_pb2.FileAppealRequest, context: grpc.aio.ServicerContext
    ) -> decision_pb2.FileAppealResponse:
        self._ready()
        require_case_id(request.case_id)
        appellant = acting_principal(request.appellant, "appellant")
        require_text(request.statement, "statement", "say why the decision is wrong")
        await admit(self._case_owners, request.case_id)
        appeal = await asyncio.to_thread(
            self._appeal_store.file_appeal, request.case_id, appellant, request.statement
        )
        return decision_pb2.FileAppealResponse(appeal=convert.appeal_to_pb(appeal))

    async def DecideAppeal(
        self, request: decision_pb2.DecideAppealRequest, context: grpc.aio.ServicerContext
    ) -> decision_pb2.DecideAppealResponse:
        self._ready()
        require_text(request.appeal_id, "appeal_id", "name the appeal")
        reviewer_id = acting_principal(request.reviewer_id, "reviewer_id")
        require_text(request.reason, "reason", "give the account an answer")
        await admit_appeal(self._case_owners, request.appeal_id)
        appeal = await asyncio.to_thread(
            self._appeal_store.decide_appeal,
            request.appeal_id,
            reviewer_id,
            request.uphold,
            request.reason,
        )
        self._wake_dispatcher()
        return decision_pb2.DecideAppealResponse(appeal=convert.appeal_to_pb(appeal))

    async def ListAppeals(
        self, request: decision_pb2.ListAppealsRequest, context: grpc.aio.ServicerContext
    ) -> decision_pb2.ListAppealsResponse:
        self._ready()
        status = convert.appeal_status_from_pb(request.status)
        limit = list_limit(request.limit)
        appeals = await asyncio.to_thread(
            self._appeal_store.list_appeals, status, limit, caller_scope()
        )
        return decision_pb2.ListAppealsResponse(
            appeals=[convert.appeal_to_pb(appeal) for appeal in appeals]
        )
