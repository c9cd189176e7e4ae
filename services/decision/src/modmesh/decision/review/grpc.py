"""The review RPCs: reviewers and accounts, queues, leases and reviewers' actions."""

from __future__ import annotations

import asyncio

import grpc

from modmesh.contracts.decision.v1 import decision_pb2
from modmesh.decision import convert, paging
from modmesh.decision.domain import CARRIED_OUT, CaseFilter, CaseSource
from modmesh.decision.review import core as review
from modmesh.decision.review.store import ReviewStore
from modmesh.decision.rpc import Rpcs, filter_value, list_limit, require_case_id, require_text
from modmesh.decision.tenancy import admit, caller_scope
from modmesh.runtime.errors import InvalidArgument
from modmesh.runtime.identity import acting_principal

_SOURCE_FROM_PB = {
    decision_pb2.CASE_SOURCE_UNSPECIFIED: None,
    decision_pb2.CASE_SOURCE_RECORDED: CaseSource.RECORDED,
    decision_pb2.CASE_SOURCE_LIVE: CaseSource.LIVE,
    decision_pb2.CASE_SOURCE_BACKFILL: CaseSource.BACKFILL,
}


class ReviewRpcs(Rpcs):
    _review_store: ReviewStore

    async def RecordAction(
        self, request: decision_pb2.RecordActionRequest, context: grpc.aio.ServicerContext
    ) -> decision_pb2.RecordActionResponse:
        self._ready()
        require_case_id(request.case_id)
        await admit(self._case_owners, request.case_id)
        action_type = convert.action_type_from_pb(request.type)
        actor = acting_principal(request.actor, "actor")
        if action_type in CARRIED_OUT and not request.reason.strip():
            raise InvalidArgument(
                f"reason is required for {action_type.value}: name the policy", field="reason"
            )
        case = await asyncio.to_thread(
            self._review_store.record_action,
            request.case_id,
            action_type,
            actor,
            request.reason,
        )
        self._wake_dispatcher()
        return decision_pb2.RecordActionResponse(case=convert.case_to_pb(case))

    async def PutReviewer(
        self, request: decision_pb2.PutReviewerRequest, context: grpc.aio.ServicerContext
    ) -> decision_pb2.PutReviewerResponse:
        self._ready()
        require_text(request.reviewer.reviewer_id, "reviewer.reviewer_id", "name the reviewer")
        actor = acting_principal(request.actor, "actor")
        require_text(request.reason, "reason", "say why")
        reviewer = await asyncio.to_thread(
            self._review_store.put_reviewer,
            convert.reviewer_from_pb(request.reviewer),
            actor,
            request.reason,
        )
        return decision_pb2.PutReviewerResponse(reviewer=convert.reviewer_to_pb(reviewer))

    async def PutAccount(
        self, request: decision_pb2.PutAccountRequest, context: grpc.aio.ServicerContext
    ) -> decision_pb2.PutAccountResponse:
        self._ready()
        require_text(request.account.account_id, "account.account_id", "name the account")
        actor = acting_principal(request.actor, "actor")
        require_text(request.reason, "reason", "say why")
        account = await asyncio.to_thread(
            self._review_store.put_account,
            convert.account_from_pb(request.account),
            actor,
            request.reason,
        )
        return decision_pb2.PutAccountResponse(account=convert.account_to_pb(account))

    async def GetAccount(
        self, request: decision_pb2.GetAccountRequest, context: grpc.aio.ServicerContext
    ) -> decision_pb2.GetAccountResponse:
        self._ready()
        require_text(request.account_id, "account_id", "name the account")
        account = await asyncio.to_thread(self._review_store.account, request.account_id)
        return decision_pb2.GetAccountResponse(account=convert.account_to_pb(account))

    async def ListQueue(
        self, request: decision_pb2.ListQueueRequest, context: grpc.aio.ServicerContext
    ) -> decision_pb2.ListQueueResponse:
        self._ready()
        require_text(request.reviewer_id, "reviewer_id", "name the reviewer")
        limit = list_limit(request.limit)
        after = paging.cursor_from(request.page_token, paging.Order.QUEUE)
        if request.source not in _SOURCE_FROM_PB:
            raise InvalidArgument("source must be RECORDED, LIVE or BACKFILL", field="source")
        wanted = CaseFilter(
            category=filter_value(request.category, "category"),
            list_id=filter_value(request.list_id, "list_id"),
            language=filter_value(request.language, "language"),
            source=_SOURCE_FROM_PB[request.source],
        )
        queue, scope = convert.queue_from_pb(request.queue), caller_scope()
        store = self._review_store
        # One case more than the page: whether another page follows.
        cases = await asyncio.to_thread(
            store.review_queue, request.reviewer_id, queue, limit + 1, scope, wanted, after
        )
        total = await asyncio.to_thread(store.queue_size, request.reviewer_id, queue, scope, wanted)
        page, token = paging.split_page(cases, limit, paging.Order.QUEUE)
        return decision_pb2.ListQueueResponse(
            cases=[convert.case_to_pb(c) for c in page], next_page_token=token, total=total
        )

    async def ClaimCase(
        self, request: decision_pb2.ClaimCaseRequest, context: grpc.aio.ServicerContext
    ) -> decision_pb2.ClaimCaseResponse:
        self._ready()
        require_case_id(request.case_id)
        reviewer_id = acting_principal(request.reviewer_id, "reviewer_id")
        await admit(self._case_owners, request.case_id)
        seconds = request.lease_seconds or review.DEFAULT_LEASE_SECONDS
        if not 1 <= seconds <= review.MAX_LEASE_SECONDS:
            raise InvalidArgument(
                f"lease_seconds must be between 1 and {review.MAX_LEASE_SECONDS}",
                field="lease_seconds",
            )
        case = await asyncio.to_thread(
            self._review_store.claim, request.case_id, reviewer_id, seconds
        )
        return decision_pb2.ClaimCaseResponse(case=convert.case_to_pb(case))

    async def ReleaseCase(
        self, request: decision_pb2.ReleaseCaseRequest, context: grpc.aio.ServicerContext
    ) -> decision_pb2.ReleaseCaseResponse:
        self._ready()
        require_case_id(request.case_id)
        reviewer_id = acting_principal(request.reviewer_id, "reviewer_id")
        await admit(self._case_owners, request.case_id)
        case = await asyncio.to_thread(self._review_store.release, request.case_id, reviewer_id)
        return decision_pb2.ReleaseCaseResponse(case=convert.case_to_pb(case))
