"""The operator's term lists: every list, and one list's terms searched on the server,
edited term by term, each edit a new version."""

from __future__ import annotations

import asyncio
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from starlette.responses import RedirectResponse, Response

from modmesh.contracts.common.v1 import evidence_pb2
from modmesh.contracts.termmatch.v1 import termmatch_pb2

from ..routes.common import RPC_TIMEOUT_SECONDS
from .web import CsrfToken, PolicyAdmin, Services, next_page, render

router = APIRouter()
#: Terms (or changes) shown at once.
PAGE_SIZE = 50
#: The latest versions a list's page shows.
VERSIONS_SHOWN = 10
SeverityName = Literal["low", "medium", "high", "critical"]
SEVERITIES = ("low", "medium", "high", "critical")


@router.get("/lists")
async def lists_page(request: Request, session: PolicyAdmin, services: Services) -> Response:
    reply = await services.termmatch.ListLists(
        termmatch_pb2.ListListsRequest(), timeout=RPC_TIMEOUT_SECONDS
    )
    return render(request, session, "lists.html", lists=reply.lists)


@router.get("/lists/{list_id}")
async def list_page(
    request: Request,
    list_id: str,
    session: PolicyAdmin,
    services: Services,
    q: Annotated[str, Query(max_length=500)] = "",
    page_token: Annotated[str, Query(max_length=2000)] = "",
) -> Response:
    """A list's terms, searched on the server (a list of a million terms pages as fast as
    one of ten), and its latest versions."""
    found, versions = await asyncio.gather(
        services.termmatch.SearchTerms(
            termmatch_pb2.SearchTermsRequest(
                list_id=list_id, query=q, page_size=PAGE_SIZE, page_token=page_token
            ),
            timeout=RPC_TIMEOUT_SECONDS,
        ),
        services.termmatch.ListVersions(
            termmatch_pb2.ListVersionsRequest(list_id=list_id, page_size=VERSIONS_SHOWN),
            timeout=RPC_TIMEOUT_SECONDS,
        ),
    )
    return render(
        request,
        session,
        "list.html",
        list_id=list_id,
        query=q,
        terms=found.terms,
        version=found.version,
        versions=versions.versions,
        next_page=next_page(request, found.next_page_token),
        severities=SEVERITIES,
    )


@router.get("/lists/{list_id}/changes")
async def changes_page(
    request: Request,
    list_id: str,
    session: PolicyAdmin,
    services: Services,
    from_version: Annotated[int, Query(ge=1)],
    to_version: Annotated[int, Query(ge=1)],
    page_token: Annotated[str, Query(max_length=2000)] = "",
) -> Response:
    """What changed between two versions of a list: terms added, removed and changed."""
    reply = await services.termmatch.CompareVersions(
        termmatch_pb2.CompareVersionsRequest(
            list_id=list_id,
            from_version=from_version,
            to_version=to_version,
            page_size=PAGE_SIZE,
            page_token=page_token,
        ),
        timeout=RPC_TIMEOUT_SECONDS,
    )
    return render(
        request,
        session,
        "changes.html",
        list_id=list_id,
        reply=reply,
        next_page=next_page(request, reply.next_page_token),
    )


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
    found = f"/console/lists/{list_id}?{urlencode({'q': text})}"
    return RedirectResponse(found, status_code=303)


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
