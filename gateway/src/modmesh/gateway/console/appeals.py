"""Appeals: the open ones, each with the decision contested and its evidence, for a
reviewer other than the one who decided; and an account's own cases, to appeal from."""

from __future__ import annotations

import asyncio
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from modmesh.contracts.decision.v1 import decision_pb2

from ..routes.common import RPC_TIMEOUT_SECONDS
from .case import fetch_case
from .web import Appellant, CsrfToken, Moderator, Services, render

router = APIRouter()
#: Open appeals shown at once, oldest first.
PAGE_SIZE = 50


@router.get("/appeals")
async def appeals_page(request: Request, session: Moderator, services: Services) -> Response:
    reply = await services.decision.ListAppeals(
        decision_pb2.ListAppealsRequest(status=decision_pb2.APPEAL_STATUS_OPEN, limit=PAGE_SIZE),
        timeout=RPC_TIMEOUT_SECONDS,
    )
    cases = await asyncio.gather(*(fetch_case(services, a.case_id) for a in reply.appeals))
    rows = []
    for appeal, case in zip(reply.appeals, cases, strict=True):
        contested = next((a for a in case.actions if a.action_id == appeal.action_id), None)
        rows.append({"appeal": appeal, "case": case, "contested": contested})
    return render(request, session, "appeals.html", rows=rows)


@router.post("/appeals/{appeal_id}/decide")
async def decide_appeal(
    appeal_id: str,
    session: Moderator,
    services: Services,
    csrf: CsrfToken,
    outcome: Annotated[Literal["uphold", "reject"], Form()],
    reason: Annotated[str, Form(max_length=2000)],
) -> Response:
    session.check_csrf(csrf)
    await services.decision.DecideAppeal(
        decision_pb2.DecideAppealRequest(
            appeal_id=appeal_id,
            reviewer_id=session.principal.subject,
            uphold=outcome == "uphold",
            reason=reason,
        ),
        timeout=RPC_TIMEOUT_SECONDS,
    )
    return RedirectResponse("/console/appeals", status_code=303)


@router.get("/mine")
async def own_cases(request: Request, session: Appellant, services: Services) -> Response:
    """The appellant's account's cases (decision reads no other for them)."""
    reply = await services.decision.ListCases(
        decision_pb2.ListCasesRequest(limit=PAGE_SIZE), timeout=RPC_TIMEOUT_SECONDS
    )
    return render(request, session, "mine.html", cases=reply.cases)


@router.post("/cases/{case_id}/appeal")
async def file_appeal(
    case_id: str,
    session: Appellant,
    services: Services,
    csrf: CsrfToken,
    statement: Annotated[str, Form(max_length=5000)],
) -> Response:
    session.check_csrf(csrf)
    await services.decision.FileAppeal(
        decision_pb2.FileAppealRequest(
            case_id=case_id, appellant=session.principal.subject, statement=statement
        ),
        timeout=RPC_TIMEOUT_SECONDS,
    )
    return RedirectResponse(f"/console/cases/{case_id}", status_code=303)
