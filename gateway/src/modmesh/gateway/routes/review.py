"""Review: reviewers' queues and leases, reviewers and accounts (decision)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from modmesh.contracts.decision.v1 import decision_pb2
from modmesh.runtime.roles import Role

from ..auth import Moderator, PolicyAdmin, roles
from ..openapi import proto_response
from ..schemas import AccountIn, ClaimIn, QueueName, ReviewerIn, SourceName
from .common import (
    CONFLICT,
    ERRORS,
    RPC_TIMEOUT_SECONDS,
    PageToken,
    Services,
    filter_query,
    to_json,
)

router = APIRouter()
PROTO_SCHEMAS = [
    decision_pb2.ListQueueResponse.DESCRIPTOR,
    decision_pb2.Reviewer.DESCRIPTOR,
    decision_pb2.Account.DESCRIPTOR,
]


@router.get(
    "/v1/queue",
    response_model=None,
    tags=["review"],
    summary="The open cases the calling reviewer may take, most urgent then oldest first",
    response_description="A page of them, the token of the next page (empty on the last) "
    "and how many match in all. A page_token this list did not give out is a 400.",
    responses={200: proto_response(decision_pb2.ListQueueResponse.DESCRIPTOR), **ERRORS},
)
async def review_queue(
    services: Services,
    reviewer: Moderator,
    queue: Annotated[QueueName, Query(description="protected: protected accounts.")] = "general",
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    page_token: PageToken = "",
    category: Annotated[str, filter_query("Only cases with a term hit of this category.")] = "",
    list_id: Annotated[str, filter_query("Only cases with a term hit of this list.")] = "",
    language: Annotated[
        str,
        filter_query("Only cases whose speech is in this language (e.g. fr), transcribed or not."),
    ] = "",
    source: Annotated[
        SourceName | None, Query(description="Only cases from this kind of source.")
    ] = None,
) -> dict[str, Any]:
    request = queue_request(
        reviewer.subject, queue, limit, page_token, category, list_id, language, source
    )
    reply = await services.decision.ListQueue(request, timeout=RPC_TIMEOUT_SECONDS)
    return to_json(reply)


def queue_request(
    reviewer_id: str,
    queue: QueueName,
    limit: int,
    page_token: str,
    category: str,
    list_id: str,
    language: str,
    source: SourceName | None,
) -> decision_pb2.ListQueueRequest:
    """A page of the reviewer's queue as the API and the console ask for it."""
    request = decision_pb2.ListQueueRequest(
        reviewer_id=reviewer_id,
        queue=decision_pb2.Queue.Value(f"QUEUE_{queue.upper()}"),
        limit=limit,
        page_token=page_token,
        category=category,
        list_id=list_id,
        language=language,
    )
    if source is not None:
        request.source = decision_pb2.CaseSource.Value(f"CASE_SOURCE_{source.upper()}")
    return request


@router.post(
    "/v1/cases/{case_id}/claim",
    response_model=None,
    tags=["review"],
    summary="Hold a case for a while; no two reviewers hold one case",
    responses={200: proto_response(decision_pb2.Case.DESCRIPTOR), **ERRORS, **CONFLICT},
)
async def claim_case(
    case_id: str, body: ClaimIn, services: Services, reviewer: Moderator
) -> dict[str, Any]:
    reply = await services.decision.ClaimCase(
        decision_pb2.ClaimCaseRequest(
            case_id=case_id, reviewer_id=reviewer.subject, lease_seconds=body.lease_seconds
        ),
        timeout=RPC_TIMEOUT_SECONDS,
    )
    return to_json(reply.case)


@router.post(
    "/v1/cases/{case_id}/release",
    response_model=None,
    tags=["review"],
    summary="Return a held case to the queue",
    responses={200: proto_response(decision_pb2.Case.DESCRIPTOR), **ERRORS, **CONFLICT},
)
async def release_case(case_id: str, services: Services, reviewer: Moderator) -> dict[str, Any]:
    reply = await services.decision.ReleaseCase(
        decision_pb2.ReleaseCaseRequest(case_id=case_id, reviewer_id=reviewer.subject),
        timeout=RPC_TIMEOUT_SECONDS,
    )
    return to_json(reply.case)


@router.put(
    "/v1/reviewers/{reviewer_id}",
    response_model=None,
    tags=["review"],
    summary="Register a reviewer or change their skills (audited)",
    responses={200: proto_response(decision_pb2.Reviewer.DESCRIPTOR), **ERRORS},
)
async def put_reviewer(
    reviewer_id: str, body: ReviewerIn, services: Services, admin: PolicyAdmin
) -> dict[str, Any]:
    reply = await services.decision.PutReviewer(
        body.to_proto(reviewer_id, admin.subject), timeout=RPC_TIMEOUT_SECONDS
    )
    return to_json(reply.reviewer)


@router.put(
    "/v1/accounts/{account_id}",
    response_model=None,
    tags=["review"],
    summary="Set an account's flags and protection (audited)",
    responses={200: proto_response(decision_pb2.Account.DESCRIPTOR), **ERRORS},
)
async def put_account(
    account_id: str, body: AccountIn, services: Services, admin: PolicyAdmin
) -> dict[str, Any]:
    reply = await services.decision.PutAccount(
        body.to_proto(account_id, admin.subject), timeout=RPC_TIMEOUT_SECONDS
    )
    return to_json(reply.account)


@router.get(
    "/v1/accounts/{account_id}",
    dependencies=roles(Role.MODERATOR, Role.AUDITOR, Role.POLICY_ADMIN),
    response_model=None,
    tags=["review"],
    summary="An account's flags and protection (none for an account never set)",
    responses={200: proto_response(decision_pb2.Account.DESCRIPTOR), **ERRORS},
)
async def get_account(account_id: str, services: Services) -> dict[str, Any]:
    reply = await services.decision.GetAccount(
        decision_pb2.GetAccountRequest(account_id=account_id), timeout=RPC_TIMEOUT_SECONDS
    )
    return to_json(reply.account)
