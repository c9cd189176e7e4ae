"""The operator's term lists and trying text against them (termmatch)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse

from modmesh.contracts.termmatch.v1 import termmatch_pb2
from modmesh.runtime.errors import InvalidArgument
from modmesh.runtime.roles import Role
from modmesh.termmatch import client as termmatch

from ..auth import PolicyAdmin, roles
from ..openapi import proto_response
from ..schemas import AddTermsIn, CreateListIn, MatchIn, PathId, TermIn, UpdateListIn
from .common import CONFLICT, ERRORS, RPC_TIMEOUT_SECONDS, Services, to_json

router = APIRouter()
PROTO_SCHEMAS = [
    termmatch_pb2.TermList.DESCRIPTOR,
    termmatch_pb2.ListListsResponse.DESCRIPTOR,
    termmatch_pb2.MatchResponse.DESCRIPTOR,
    termmatch_pb2.ImportTermsResponse.DESCRIPTOR,
]
#: Bulk imports get the time to validate, compile and store a million terms.
BULK_TIMEOUT_SECONDS = 1800.0
#: Rows per ImportTerms message.
IMPORT_BATCH = 5000
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson"}
Format = Annotated[Literal["csv", "jsonl"], Query(description="csv (with a header) or jsonl")]


@router.get(
    "/v1/lists",
    dependencies=roles(Role.POLICY_ADMIN, Role.MODERATOR, Role.AUDITOR),
    response_model=None,
    tags=["term lists"],
    summary="Every term list, without its terms",
    responses={200: proto_response(termmatch_pb2.ListListsResponse.DESCRIPTOR), **ERRORS},
)
async def list_lists(services: Services) -> dict[str, Any]:
    reply = await services.termmatch.ListLists(
        termmatch_pb2.ListListsRequest(), timeout=RPC_TIMEOUT_SECONDS
    )
    return to_json(reply)


@router.post(
    "/v1/lists",
    dependencies=roles(Role.POLICY_ADMIN),
    response_model=None,
    tags=["term lists"],
    status_code=201,
    summary="Create a term list (version 1)",
    responses={201: proto_response(termmatch_pb2.TermList.DESCRIPTOR), **ERRORS, **CONFLICT},
)
async def create_list(
    body: CreateListIn, response: Response, services: Services, admin: PolicyAdmin
) -> Any:
    request = body.to_proto()
    request.actor = admin.subject
    reply = await services.termmatch.CreateList(request, timeout=RPC_TIMEOUT_SECONDS)
    response.headers["Location"] = f"/v1/lists/{reply.list.list_id}"
    return to_json(reply.list)


@router.get(
    "/v1/lists/{list_id}",
    dependencies=roles(Role.POLICY_ADMIN, Role.MODERATOR, Role.AUDITOR),
    response_model=None,
    tags=["term lists"],
    summary="A term list with its terms, at its current or an earlier version",
    responses={200: proto_response(termmatch_pb2.TermList.DESCRIPTOR), **ERRORS},
)
async def get_list(
    list_id: PathId,
    services: Services,
    version: int = Query(
        0,
        ge=0,
        le=2**63 - 1,
        description="An earlier version (hits name theirs); 0: the current one.",
    ),
) -> dict[str, Any]:
    reply = await services.termmatch.GetList(
        termmatch_pb2.GetListRequest(list_id=list_id, version=version),
        timeout=RPC_TIMEOUT_SECONDS,
    )
    return to_json(reply.list)


@router.post(
    "/v1/lists/{list_id}/terms",
    dependencies=roles(Role.POLICY_ADMIN),
    response_model=None,
    tags=["term lists"],
    summary="Add terms; the list gets a new version",
    description="Answers with the list at its new version, without its terms, and the "
    "terms added (with their ids).",
    responses={
        200: proto_response(termmatch_pb2.AddTermsResponse.DESCRIPTOR),
        **ERRORS,
        **CONFLICT,
    },
)
async def add_terms(
    list_id: PathId, body: AddTermsIn, services: Services, admin: PolicyAdmin
) -> dict[str, Any]:
    reply = await services.termmatch.AddTerms(
        termmatch_pb2.AddTermsRequest(
            list_id=list_id,
            terms=[term.to_proto() for term in body.terms],
            actor=admin.subject,
        ),
        timeout=RPC_TIMEOUT_SECONDS,
    )
    return to_json(reply)


@router.delete(
    "/v1/lists/{list_id}/terms/{term_id}",
    dependencies=roles(Role.POLICY_ADMIN),
    response_model=None,
    tags=["term lists"],
    summary="Remove a term; the list gets a new version",
    description="Answers with the list at its new version, without its terms.",
    responses={200: proto_response(termmatch_pb2.RemoveTermsResponse.DESCRIPTOR), **ERRORS},
)
async def remove_term(
    list_id: PathId, term_id: str, services: Services, admin: PolicyAdmin
) -> dict[str, Any]:
    reply = await services.termmatch.RemoveTerms(
        termmatch_pb2.RemoveTermsRequest(list_id=list_id, term_ids=[term_id], actor=admin.subject),
        timeout=RPC_TIMEOUT_SECONDS,
    )
    return to_json(reply)


@router.post(
    "/v1/match",
    dependencies=roles(Role.POLICY_ADMIN, Role.MODERATOR, Role.SERVICE),
    response_model=None,
    tags=["term lists"],
    summary="Find the listed terms in a text, to try lists out",
    responses={200: proto_response(termmatch_pb2.MatchResponse.DESCRIPTOR), **ERRORS},
)
async def match(body: MatchIn, services: Services) -> dict[str, Any]:
    reply = await services.termmatch.Match(body.to_proto(), timeout=RPC_TIMEOUT_SECONDS)
    return to_json(reply)


@router.put(
    "/v1/lists/{list_id}",
    dependencies=roles(Role.POLICY_ADMIN),
    response_model=None,
    tags=["term lists"],
    summary="Replace a list's name, description, flags, exceptions and window (new version)",
    description="Answers with the list at its new version, without its terms.",
    responses={200: proto_response(termmatch_pb2.TermList.DESCRIPTOR), **ERRORS},
)
async def update_list(
    list_id: PathId, body: UpdateListIn, services: Services, admin: PolicyAdmin
) -> dict[str, Any]:
    request = body.to_proto(list_id)
    request.actor = admin.subject
    reply = await services.termmatch.UpdateList(request, timeout=RPC_TIMEOUT_SECONDS)
    return to_json(reply.list)


@router.put(
    "/v1/lists/{list_id}/terms/{term_id}",
    dependencies=roles(Role.POLICY_ADMIN),
    response_model=None,
    tags=["term lists"],
    summary="Replace a term; it keeps its place and the list gets a new version",
    description="Answers with the list at its new version, without its terms, and the "
    "term as stored.",
    responses={200: proto_response(termmatch_pb2.UpdateTermsResponse.DESCRIPTOR), **ERRORS},
)
async def update_term(
    list_id: PathId, term_id: str, body: TermIn, services: Services, admin: PolicyAdmin
) -> dict[str, Any]:
    term = body.to_proto()
    term.term_id = term_id
    reply = await services.termmatch.UpdateTerms(
        termmatch_pb2.UpdateTermsRequest(list_id=list_id, terms=[term], actor=admin.subject),
        timeout=RPC_TIMEOUT_SECONDS,
    )
    return to_json(reply)


@router.post(
    "/v1/lists/{list_id}/import",
    dependencies=roles(Role.POLICY_ADMIN),
    response_model=None,
    tags=["term lists"],
    summary="Import terms from a CSV or JSON Lines body, all or nothing (new version)",
    description="Rows whose term_id the list has replace that term; the others are added. "
    "With replace=true the body becomes the whole list. A bad row is named by its line.",
    responses={200: proto_response(termmatch_pb2.ImportTermsResponse.DESCRIPTOR), **ERRORS},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {media: {"schema": {"type": "string"}} for media in MEDIA_TYPES.values()},
        }
    },
)
async def import_terms(
    list_id: PathId,
    request: Request,
    services: Services,
    admin: PolicyAdmin,
    format: Format = "csv",
    replace: bool = False,
) -> dict[str, Any]:
    body = await request.body()
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InvalidArgument(
            f"the body is not UTF-8 text (byte {error.start})", field="body"
        ) from None
    rows = await asyncio.to_thread(_rows, text, format)

    async def requests() -> AsyncIterator[termmatch_pb2.ImportTermsRequest]:
        yield termmatch_pb2.ImportTermsRequest(
            list_id=list_id, replace=replace, actor=admin.subject
        )
        for first in range(0, len(rows), IMPORT_BATCH):
            yield termmatch_pb2.ImportTermsRequest(rows=rows[first : first + IMPORT_BATCH])

    reply = await services.termmatch.ImportTerms(requests(), timeout=BULK_TIMEOUT_SECONDS)
    return to_json(reply)


def _rows(text: str, fmt: str) -> list[termmatch_pb2.ImportRow]:
    return [
        termmatch_pb2.ImportRow(line=line, term=termmatch.draft_to_pb(draft))
        for line, draft in termmatch.read_terms(text.splitlines(keepends=True), fmt)
    ]


@router.get(
    "/v1/lists/{list_id}/export",
    dependencies=roles(Role.POLICY_ADMIN, Role.AUDITOR),
    response_model=None,
    tags=["term lists"],
    summary="A list's terms as CSV or JSON Lines, streamed",
    responses={200: {"content": {m: {} for m in MEDIA_TYPES.values()}}, **ERRORS},
)
async def export_terms(
    list_id: PathId,
    services: Services,
    format: Format = "csv",
    version: int = Query(
        0, ge=0, le=2**63 - 1, description="An earlier version; 0: the current one."
    ),
) -> StreamingResponse:
    replies = services.termmatch.ExportTerms(
        termmatch_pb2.ExportTermsRequest(list_id=list_id, version=version),
        timeout=BULK_TIMEOUT_SECONDS,
    ).__aiter__()
    # The first message comes before the response starts, so an unknown list is a 404.
    first = await replies.__anext__()

    async def lines() -> AsyncIterator[str]:
        yield termmatch.header(format)
        reply = first
        while True:
            terms = [termmatch.term_from_pb(term) for term in reply.terms]
            yield "".join(termmatch.write_terms(terms, format))
            try:
                reply = await replies.__anext__()
            except StopAsyncIteration:
                return

    name = f"{list_id}-v{first.list.version}.{format}"
    return StreamingResponse(
        lines(),
        media_type=MEDIA_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
