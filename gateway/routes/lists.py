"""The operator's term lists and trying text against them (termmatch)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from modmesh.termmatch.v1 import termmatch_pb2

from ..auth import Role, roles
from ..openapi import proto_response
from ..schemas import AddTermsIn, CreateListIn, MatchIn
from .common import CONFLICT, ERRORS, RPC_TIMEOUT_SECONDS, Services, to_json

router = APIRouter()
PROTO_SCHEMAS = [
    termmatch_pb2.TermList.DESCRIPTOR,
    termmatch_pb2.ListListsResponse.DESCRIPTOR,
    termmatch_pb2.MatchResponse.DESCRIPTOR,
]


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
async def create_list(body: CreateListIn, response: Response, services: Services) -> Any:
    reply = await services.termmatch.CreateList(body.to_proto(), timeout=RPC_TIMEOUT_SECONDS)
    response.headers["Location"] = f"/v1/lists/{reply.list.list_id}"
    return to_json(reply.list)


@router.get(
    "/v1/lists/{list_id}",
    dependencies=roles(Role.POLICY_ADMIN, Role.MODERATOR, Role.AUDITOR),
    response_model=None,
    tags=["term lists"],
    summary="A term list with its terms, at its current version",
    responses={200: proto_response(termmatch_pb2.TermList.DESCRIPTOR), **ERRORS},
)
async def get_list(list_id: str, services: Services) -> dict[str, Any]:
    reply = await services.termmatch.GetList(
        termmatch_pb2.GetListRequest(list_id=list_id), timeout=RPC_TIMEOUT_SECONDS
    )
    return to_json(reply.list)


@router.post(
    "/v1/lists/{list_id}/terms",
    dependencies=roles(Role.POLICY_ADMIN),
    response_model=None,
    tags=["term lists"],
    summary="Add terms; the list gets a new version",
    responses={200: proto_response(termmatch_pb2.TermList.DESCRIPTOR), **ERRORS, **CONFLICT},
)
async def add_terms(list_id: str, body: AddTermsIn, services: Services) -> dict[str, Any]:
    reply = await services.termmatch.AddTerms(
        termmatch_pb2.AddTermsRequest(
            list_id=list_id, terms=[term.to_proto() for term in body.terms]
        ),
        timeout=RPC_TIMEOUT_SECONDS,
    )
    return to_json(reply.list)


@router.delete(
    "/v1/lists/{list_id}/terms/{term_id}",
    dependencies=roles(Role.POLICY_ADMIN),
    response_model=None,
    tags=["term lists"],
    summary="Remove a term; the list gets a new version",
    responses={200: proto_response(termmatch_pb2.TermList.DESCRIPTOR), **ERRORS},
)
async def remove_term(list_id: str, term_id: str, services: Services) -> dict[str, Any]:
    reply = await services.termmatch.RemoveTerms(
        termmatch_pb2.RemoveTermsRequest(list_id=list_id, term_ids=[term_id]),
        timeout=RPC_TIMEOUT_SECONDS,
    )
    return to_json(reply.list)


@router.post(
    "/v1/match",
    dependencies=roles(Role.POLICY_ADMIN, Role.MODERATOR, Role.SERVICE),
    response_model=None,
    tags=["term lists"],
    summary="Find the listed terms in a text, to try lists out",
    responses={200: proto_response(termmatch_pb2.MatchResponse.DESCRIPTOR), **ERRORS},
)
async def match(body: MatchIn, services: Services) -> dict[str, Any]:
    reply = await services.termmatch.Match(
        termmatch_pb2.MatchRequest(text=body.text, list_ids=body.list_ids),
        timeout=RPC_TIMEOUT_SECONDS,
    )
    return to_json(reply)
