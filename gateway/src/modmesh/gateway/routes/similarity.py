"""Banks of known items and near-duplicate search (similarity)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from modmesh.contracts.similarity.v1 import similarity_pb2
from modmesh.runtime.roles import Role

from ..auth import PolicyAdmin, roles
from ..openapi import proto_response
from ..schemas import CreateBankIn, PathId, SimilarityItemForm, SimilaritySearchForm
from .common import (
    CONFLICT,
    ERRORS,
    MEDIA_RPC_TIMEOUT_SECONDS,
    RPC_TIMEOUT_SECONDS,
    UPLOAD_ERRORS,
    Blobs,
    Services,
    multipart_body,
    to_json,
    upload_with_form,
)

router = APIRouter()
PROTO_SCHEMAS = [
    similarity_pb2.AddItemResponse.DESCRIPTOR,
    similarity_pb2.SearchResponse.DESCRIPTOR,
    similarity_pb2.BankStatus.DESCRIPTOR,
    similarity_pb2.ListBanksResponse.DESCRIPTOR,
    similarity_pb2.RemoveItemResponse.DESCRIPTOR,
]


@router.get(
    "/v1/similarity/banks",
    dependencies=roles(Role.POLICY_ADMIN, Role.MODERATOR, Role.AUDITOR),
    response_model=None,
    tags=["similarity"],
    summary="Every bank with its thresholds, size and index snapshot",
    responses={200: proto_response(similarity_pb2.ListBanksResponse.DESCRIPTOR), **ERRORS},
)
async def list_banks(services: Services) -> dict[str, Any]:
    reply = await services.similarity.ListBanks(
        similarity_pb2.ListBanksRequest(), timeout=RPC_TIMEOUT_SECONDS
    )
    return to_json(reply)


@router.post(
    "/v1/similarity/banks",
    dependencies=roles(Role.POLICY_ADMIN),
    response_model=None,
    tags=["similarity"],
    status_code=201,
    summary="Create a bank with its own thresholds",
    responses={
        201: proto_response(similarity_pb2.BankStatus.DESCRIPTOR),
        **ERRORS,
        **CONFLICT,
    },
)
async def create_bank(body: CreateBankIn, services: Services, admin: PolicyAdmin) -> dict[str, Any]:
    request = body.to_proto()
    request.actor = admin.subject
    reply = await services.similarity.CreateBank(request, timeout=RPC_TIMEOUT_SECONDS)
    return to_json(reply.bank)


@router.delete(
    "/v1/similarity/banks/{bank}/items/{item_id}",
    dependencies=roles(Role.POLICY_ADMIN),
    response_model=None,
    tags=["similarity"],
    summary="Remove a known item; searches stop finding it once answered",
    responses={200: proto_response(similarity_pb2.RemoveItemResponse.DESCRIPTOR), **ERRORS},
)
async def remove_item(
    bank: PathId, item_id: str, services: Services, admin: PolicyAdmin
) -> dict[str, Any]:
    reply = await services.similarity.RemoveItem(
        similarity_pb2.RemoveItemRequest(bank=bank, item_id=item_id, actor=admin.subject),
        timeout=RPC_TIMEOUT_SECONDS,
    )
    return to_json(reply)


@router.post(
    "/v1/similarity/items",
    dependencies=roles(Role.POLICY_ADMIN),
    response_model=None,
    tags=["similarity"],
    status_code=201,
    summary="Add a known item to a bank; searchable once answered",
    responses={
        201: proto_response(similarity_pb2.AddItemResponse.DESCRIPTOR),
        **UPLOAD_ERRORS,
        **CONFLICT,
    },
    openapi_extra=multipart_body(SimilarityItemForm, "The known item's video."),
)
async def add_similarity_item(
    request: Request, services: Services, store: Blobs, admin: PolicyAdmin
) -> dict[str, Any]:
    # The item's hashes are what the bank keeps; its media is done with once hashed.
    async with upload_with_form(request, store, SimilarityItemForm, keep=False) as (upload, form):
        reply = await services.similarity.AddItem(
            similarity_pb2.AddItemRequest(
                media=upload.media_ref(),
                bank=form.bank,
                item_id=form.item_id,
                label=form.label,
                actor=admin.subject,
            ),
            timeout=MEDIA_RPC_TIMEOUT_SECONDS,
        )
    return to_json(reply)


@router.post(
    "/v1/similarity/search",
    dependencies=roles(Role.POLICY_ADMIN, Role.MODERATOR, Role.SERVICE),
    response_model=None,
    tags=["similarity"],
    summary="Find known items that the uploaded media is a near-duplicate of",
    responses={200: proto_response(similarity_pb2.SearchResponse.DESCRIPTOR), **UPLOAD_ERRORS},
    openapi_extra=multipart_body(SimilaritySearchForm, "The video to look up."),
)
async def search_similar(request: Request, services: Services, store: Blobs) -> dict[str, Any]:
    async with upload_with_form(request, store, SimilaritySearchForm, keep=False) as (
        upload,
        form,
    ):
        reply = await services.similarity.Search(
            similarity_pb2.SearchRequest(
                media=upload.media_ref(),
                k=form.k,
                max_distance=form.max_distance,
                banks=form.bank_list(),
            ),
            timeout=MEDIA_RPC_TIMEOUT_SECONDS,
        )
    return to_json(reply)
