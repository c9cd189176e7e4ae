"""Appeals against decisions, and statements of reasons (decision)."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from modmesh.contracts.decision.v1 import decision_pb2
from modmesh.runtime.roles import Role

from ..auth import Appellant, Moderator, StatementReader, roles
from ..openapi import proto_response
from ..schemas import AppealDecisionIn, AppealIn, AppealStatusName
from .common import CONFLICT, ERRORS, RPC_TIMEOUT_SECONDS, Services, to_json

router = APIRouter()
PROTO_SCHEMAS = [decision_pb2.Appeal.DESCRIPTOR, decision_pb2.ListAppealsResponse.DESCRIPTOR]


@router.post(
    "/v1/cases/{case_id}/appeals",
    response_model=None,
    tags=["appeals"],
    status_code=201,
    summary="Appeal the removal on the caller's case (once per action)",
    responses={201: proto_response(decision_pb2.Appeal.DESCRIPTOR), **ERRORS, **CONFLICT},
)
async def file_appeal(
    case_id: str,
    body: AppealIn,
    response: Response,
    services: Services,
    appellant: Appellant,
) -> dict[str, Any]:
    reply = await services.decision.FileAppeal(
        decision_pb2.FileAppealRequest(
            case_id=case_id, appellant=appellant.subject, statement=body.statement
        ),
        timeout=RPC_TIMEOUT_SECONDS,
    )
    response.headers["Location"] = f"/v1/appeals?case_id={case_id}"
    return to_json(reply.appeal)


@router.get(
    "/v1/appeals",
    dependencies=roles(Role.MODERATOR, Role.AUDITOR),
    response_model=None,
    tags=["appeals"],
    summary="Appeals, oldest first",
    responses={200: proto_response(decision_pb2.ListAppealsResponse.DESCRIPTOR), **ERRORS},
)
async def list_appeals(
    services: Services,
    status: Annotated[AppealStatusName | None, Query(description="Default: all.")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> dict[str, Any]:
    request = decision_pb2.ListAppealsRequest(limit=limit)
    if status is not None:
        request.status = decision_pb2.AppealStatus.Value(f"APPEAL_STATUS_{status.upper()}")
    reply = await services.decision.ListAppeals(request, timeout=RPC_TIMEOUT_SECONDS)
    return to_json(reply)


@router.post(
    "/v1/appeals/{appeal_id}/decision",
    response_model=None,
    tags=["appeals"],
    summary="Decide an appeal (not the reviewer who acted); upholding reverses the action",
    responses={200: proto_response(decision_pb2.Appeal.DESCRIPTOR), **ERRORS, **CONFLICT},
)
async def decide_appeal(
    appeal_id: str,
    body: AppealDecisionIn,
    services: Services,
    reviewer: Moderator,
) -> dict[str, Any]:
    reply = await services.decision.DecideAppeal(
        decision_pb2.DecideAppealRequest(
            appeal_id=appeal_id,
            reviewer_id=reviewer.subject,
            uphold=body.uphold,
            reason=body.reason,
        ),
        timeout=RPC_TIMEOUT_SECONDS,
    )
    return to_json(reply.appeal)


@router.get(
    "/v1/cases/{case_id}/statement-of-reasons",
    response_model=None,
    tags=["appeals"],
    summary="The case's statement of reasons in the EU DSA's terms (an appellant: its "
    "own account's cases only)",
    response_description="decision, content, facts_and_circumstances, ground, "
    "automated_means, redress",
    responses=ERRORS,
)
async def statement_of_reasons(
    case_id: str,
    services: Services,
    reader: StatementReader,
) -> dict[str, Any]:
    # An appellant's scope pins it to its own account's cases (decision enforces it).
    reply = await services.decision.GetStatementOfReasons(
        decision_pb2.GetStatementOfReasonsRequest(case_id=case_id),
        timeout=RPC_TIMEOUT_SECONDS,
    )
    statement: dict[str, Any] = json.loads(reply.statement_json)
    return statement
