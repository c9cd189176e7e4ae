"""One case: its evidence to play and read, why it is here, and the reviewer's decision."""

from __future__ import annotations

import asyncio
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Request
from starlette.responses import FileResponse, RedirectResponse, Response

from modmesh.contracts.decision.v1 import decision_pb2
from modmesh.runtime.roles import Role

from ..media import live_clip, media_response
from ..routes.common import RPC_TIMEOUT_SECONDS
from . import items, present
from .web import Blobs, CaseReader, CsrfToken, Moderator, Services, render

router = APIRouter()
#: The account's other cases a case shows.
EARLIER_CASES = 10
#: Who sees an account's flags, protection and other cases beside a case.
READS_ACCOUNTS = frozenset({Role.MODERATOR, Role.AUDITOR})

#: The decisions a reviewer records, as the buttons show them, with their shortcut keys.
DECISIONS = (
    ("no_violation", "No violation", "n"),
    ("remove_content", "Remove content", "r"),
    ("escalate", "Escalate", "e"),
)


async def fetch_case(services: Services, case_id: str) -> decision_pb2.Case:
    reply = await services.decision.GetCase(
        decision_pb2.GetCaseRequest(case_id=case_id), timeout=RPC_TIMEOUT_SECONDS
    )
    case: decision_pb2.Case = reply.case
    return case


def reason_templates(case: decision_pb2.Case) -> list[str]:
    """Reasons drawn from the case's own evidence, for the reviewer to pick and edit."""
    reasons = []
    for hit in case.term_hits:
        start = present.hit_start(hit)
        when = "" if start is None else f" at {present.clock(start)}"
        policy = hit.category or hit.list_id
        reasons.append(f'Under the {policy} policy: "{hit.term}" was said{when}.')
    for match in case.similarity_matches:
        item = match.label or match.item_id
        reasons.append(f"Under the {match.bank} policy: a copy of the known item {item}.")
    reasons.append("No violation: the evidence does not break the policy it was flagged under.")
    return list(dict.fromkeys(reasons))


@router.get("/cases/{case_id}")
async def case_page(
    request: Request, case_id: str, session: CaseReader, services: Services
) -> Response:
    case, audit = await asyncio.gather(
        fetch_case(services, case_id),
        services.decision.ListCaseAudit(
            decision_pb2.ListCaseAuditRequest(case_id=case_id), timeout=RPC_TIMEOUT_SECONDS
        ),
    )
    account: decision_pb2.Account | None = None
    earlier: list[decision_pb2.Case] = []
    if session.principal.roles & READS_ACCOUNTS:
        account, earlier = await _account_of(services, case)
    item_frames: list[items.ItemFrames] = []
    if session.principal.roles & items.VIEWERS:
        item_frames = await items.item_frames(services, list(case.similarity_matches))
    return render(
        request,
        session,
        "case.html",
        account=account,
        earlier=earlier,
        audit=audit.entries,
        case=case,
        words=present.transcript_words(case),
        video=present.is_video(case),
        live=present.is_live(case),
        decisions=DECISIONS,
        reasons=reason_templates(case),
        holder=case.lease.holder if case.HasField("lease") else "",
        item_frames=item_frames,
        frame_url=items.frame_url,
    )


async def _account_of(
    services: Services, case: decision_pb2.Case
) -> tuple[decision_pb2.Account, list[decision_pb2.Case]]:
    """The account's flags and protection, and its other cases, newest first."""
    account_id = case.source.account_id
    account, cases = await asyncio.gather(
        services.decision.GetAccount(
            decision_pb2.GetAccountRequest(account_id=account_id), timeout=RPC_TIMEOUT_SECONDS
        ),
        services.decision.ListCases(
            decision_pb2.ListCasesRequest(account_id=account_id, limit=EARLIER_CASES + 1),
            timeout=RPC_TIMEOUT_SECONDS,
        ),
    )
    earlier = [c for c in cases.cases if c.case_id != case.case_id][:EARLIER_CASES]
    return account.account, earlier


@router.get("/cases/{case_id}/media")
async def case_media(
    case_id: str, session: CaseReader, services: Services, store: Blobs
) -> FileResponse:
    return media_response((await fetch_case(services, case_id)).media, store)


@router.get("/cases/{case_id}/clips/{flag_sequence}")
async def case_clip(
    case_id: str, flag_sequence: int, session: CaseReader, services: Services, store: Blobs
) -> FileResponse:
    return media_response(live_clip(await fetch_case(services, case_id), flag_sequence), store)


@router.post("/cases/{case_id}/claim")
async def claim(case_id: str, session: Moderator, services: Services, csrf: CsrfToken) -> Response:
    session.check_csrf(csrf)
    await services.decision.ClaimCase(
        decision_pb2.ClaimCaseRequest(case_id=case_id, reviewer_id=session.principal.subject),
        timeout=RPC_TIMEOUT_SECONDS,
    )
    return RedirectResponse(f"/console/cases/{case_id}", status_code=303)


@router.post("/cases/{case_id}/release")
async def release(
    case_id: str, session: Moderator, services: Services, csrf: CsrfToken
) -> Response:
    session.check_csrf(csrf)
    await services.decision.ReleaseCase(
        decision_pb2.ReleaseCaseRequest(case_id=case_id, reviewer_id=session.principal.subject),
        timeout=RPC_TIMEOUT_SECONDS,
    )
    return RedirectResponse("/console/queue", status_code=303)


@router.post("/cases/{case_id}/decide")
async def decide(
    case_id: str,
    session: Moderator,
    services: Services,
    csrf: CsrfToken,
    decision: Annotated[Literal["no_violation", "remove_content", "escalate"], Form()],
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    session.check_csrf(csrf)
    await services.decision.RecordAction(
        decision_pb2.RecordActionRequest(
            case_id=case_id,
            type=decision_pb2.ActionType.Value(f"ACTION_TYPE_{decision.upper()}"),
            actor=session.principal.subject,
            reason=reason,
        ),
        timeout=RPC_TIMEOUT_SECONDS,
    )
    return RedirectResponse("/console/queue", status_code=303)
