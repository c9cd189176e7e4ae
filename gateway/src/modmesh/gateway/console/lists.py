"""The operator's term lists: every list, and one list's terms searched on the server,
edited term by term, each edit a new version."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from modmesh.contracts.common.v1 import evidence_pb2
from modmesh.contracts.termmatch.v1 import termmatch_pb2

from ..routes.common import RPC_TIMEOUT_SECONDS
from .web import CsrfToken, PolicyAdmin, Services, render

router = APIRouter()
SeverityName = Literal["low", "medium", "high", "critical"]
SEVERITIES = ("low", "medium", "high", "critical")


@router.get("/lists")
async def lists_page(request: Request, session: PolicyAdmin, services: Services) -> Response:
    reply = await services.termmatch.ListLists(
        termmatch_pb2.ListListsRequest(), timeout=RPC_TIMEOUT_SECONDS
    )
    return render(request, session, "lists.html", lists=reply.lists)


@router.post("/lists/{list_id}/terms")
async def add_term(
    list_id: str,
    session: PolicyAdmin,
    services: Services,
    csrf: CsrfToken,
    text: Annotated[str, Form(min_length=1, max_length=500)],
    severity: Annotated[SeverityName, Form()],
    category: Annotated[str, Form(max_length=100)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    session.check_csrf(csrf)
    term = termmatch_pb2.Term(
        text=text,
        severity=evidence_pb2.Severity.Value(f"SEVERITY_{severity.upper()}"),
        category=category,
        note=note,
    )
    await services.termmatch.AddTerms(
        termmatch_pb2.AddTermsRequest(list_id=list_id, terms=[term]),
        timeout=RPC_TIMEOUT_SECONDS,
    )
    return RedirectResponse(f"/console/lists/{list_id}?q={text}", status_code=303)


@router.post("/lists/{list_id}/terms/{term_id}/remove")
async def remove_term(
    list_id: str, term_id: str, session: PolicyAdmin, services: Services, csrf: CsrfToken
) -> Response:
    session.check_csrf(csrf)
    await services.termmatch.RemoveTerms(
        termmatch_pb2.RemoveTermsRequest(list_id=list_id, term_ids=[term_id]),
        timeout=RPC_TIMEOUT_SECONDS,
    )
    return RedirectResponse(f"/console/lists/{list_id}", status_code=303)
