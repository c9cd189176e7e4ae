"""Browsing a term list a page at a time, as the reviewers' console does: searching its
terms, its versions, and what changed between two of them (termmatch). Whoever may read
a list may browse it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from modmesh.contracts.termmatch.v1 import termmatch_pb2
from modmesh.runtime.roles import Role

from ..auth import roles
from ..openapi import proto_response
from ..schemas import PathId
from .common import ERRORS, RPC_TIMEOUT_SECONDS, Services, to_json

router = APIRouter()
PROTO_SCHEMAS = [
    termmatch_pb2.SearchTermsResponse.DESCRIPTOR,
    termmatch_pb2.ListVersionsResponse.DESCRIPTOR,
    termmatch_pb2.CompareVersionsResponse.DESCRIPTOR,
]
READERS = roles(Role.POLICY_ADMIN, Role.MODERATOR, Role.AUDITOR)
PAGES = (
    "A page at a time: pass the response's next_page_token as page_token for the next "
    "page (empty on the last), with the other parameters as for the first; a token that "
    "continues another request is a 400."
)

PageSize = Query(0, ge=0, le=2**31 - 1, description="Items per page; 0: 50; at most 500.")
PageToken = Query("", description="The next_page_token of the previous page.")


@router.get(
    "/v1/lists/{list_id}/terms",
    dependencies=READERS,
    response_model=None,
    tags=["term lists"],
    summary="Search a list's terms by text or id, at its current or an earlier version",
    description="Terms whose text or term_id contains `q`, inside words too, in term_id "
    "order; both are compared folded: case, full-width forms, accents and runs of "
    "whitespace do not matter, punctuation does. An empty `q` lists every term. The "
    f"first page fixes the version that every later page reads. {PAGES}",
    responses={200: proto_response(termmatch_pb2.SearchTermsResponse.DESCRIPTOR), **ERRORS},
)
async def search_terms(
    list_id: PathId,
    services: Services,
    q: str = Query("", description="Text to find (at most 300 characters)."),
    version: int = Query(
        0, ge=0, le=2**63 - 1, description="An earlier version; 0: the current one."
    ),
    page_size: int = PageSize,
    page_token: str = PageToken,
) -> dict[str, Any]:
    reply = await services.termmatch.SearchTerms(
        termmatch_pb2.SearchTermsRequest(
            list_id=list_id,
            query=q,
            version=version,
            page_size=page_size,
            page_token=page_token,
        ),
        timeout=RPC_TIMEOUT_SECONDS,
    )
    return to_json(reply)


@router.get(
    "/v1/lists/{list_id}/versions",
    dependencies=READERS,
    response_model=None,
    tags=["term lists"],
    summary="A list's versions, newest first: when, by whom, what kind of edit",
    description="Each version with the number of terms it added, removed and changed "
    f"against the one before, and the terms it has. {PAGES}",
    responses={200: proto_response(termmatch_pb2.ListVersionsResponse.DESCRIPTOR), **ERRORS},
)
async def list_versions(
    list_id: PathId,
    services: Services,
    page_size: int = PageSize,
    page_token: str = PageToken,
) -> dict[str, Any]:
    reply = await services.termmatch.ListVersions(
        termmatch_pb2.ListVersionsRequest(
            list_id=list_id, page_size=page_size, page_token=page_token
        ),
        timeout=RPC_TIMEOUT_SECONDS,
    )
    return to_json(reply)


@router.get(
    "/v1/lists/{list_id}/changes",
    dependencies=READERS,
    response_model=None,
    tags=["term lists"],
    summary="The terms added, removed and changed between two versions of a list",
    description="In term_id order, each with its kind and the term before (at "
    "from_version) and after (at to_version). A term changed and changed back between "
    f"the two is no change. {PAGES}",
    responses={200: proto_response(termmatch_pb2.CompareVersionsResponse.DESCRIPTOR), **ERRORS},
)
async def compare_versions(
    list_id: PathId,
    services: Services,
    from_version: int = Query(ge=1, le=2**63 - 1, description="The older version."),
    to_version: int = Query(
        0,
        ge=0,
        le=2**63 - 1,
        description="The newer version, not before from_version; 0: the current one.",
    ),
    page_size: int = PageSize,
    page_token: str = PageToken,
) -> dict[str, Any]:
    reply = await services.termmatch.CompareVersions(
        termmatch_pb2.CompareVersionsRequest(
            list_id=list_id,
            from_version=from_version,
            to_version=to_version,
            page_size=page_size,
            page_token=page_token,
        ),
        timeout=RPC_TIMEOUT_SECONDS,
    )
    return to_json(reply)
