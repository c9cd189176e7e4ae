"""Media submissions and the cases they open (decision)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Request, Response
from starlette.responses import FileResponse

from modmesh.contracts.decision.v1 import decision_pb2
from modmesh.runtime.roles import Role
from modmesh.runtime.tracing import annotate

from ..auth import Moderator, PolicyAdmin, roles
from ..media import live_clip, media_response
from ..openapi import proto_response
from ..schemas import ActionIn, CaseStatusName, ErrorOut, MediaForm, RetryIn
from .common import (
    CONFLICT,
    ERRORS,
    MEDIA_RPC_TIMEOUT_SECONDS,
    RPC_TIMEOUT_SECONDS,
    UPLOAD_ERRORS,
    Blobs,
    PageToken,
    Services,
    filter_query,
    multipart_body,
    to_json,
    upload_with_form,
)

router = APIRouter()
PROTO_SCHEMAS = [
    decision_pb2.SubmitResponse.DESCRIPTOR,
    decision_pb2.Case.DESCRIPTOR,
    decision_pb2.ListCasesResponse.DESCRIPTOR,
    decision_pb2.RetryCasesResponse.DESCRIPTOR,
]


@router.post(
    "/v1/media",
    dependencies=roles(Role.SERVICE),
    response_model=None,
    tags=["media"],
    status_code=202,
    summary="Submit media for moderation",
    response_description="The case opened (or found again: `duplicate`). "
    "Its Location header names the case.",
    responses={
        202: proto_response(decision_pb2.SubmitResponse.DESCRIPTOR),
        **UPLOAD_ERRORS,
        409: {"model": ErrorOut, "description": "Idempotency-Key used for another request."},
    },
    openapi_extra=multipart_body(MediaForm, "Audio or video; streamed, never buffered."),
)
async def submit_media(
    request: Request,
    response: Response,
    services: Services,
    store: Blobs,
    idempotency_key: Annotated[
        str,
        Header(
            alias="Idempotency-Key",
            max_length=255,
            description="Makes a retry safe: the same key with the same file and form gets "
            "the first answer again (kept at least 24 h); with another request, 409.",
        ),
    ] = "",
) -> dict[str, Any]:
    async with upload_with_form(request, store, MediaForm, keep=True) as (upload, form):
        media = upload.media_ref()
        reply = await services.decision.Submit(
            decision_pb2.SubmitRequest(
                media=media, source=form.to_source(), idempotency_key=idempotency_key
            ),
            timeout=MEDIA_RPC_TIMEOUT_SECONDS,
        )
    annotate(case_id=reply.case_id, media_sha256=media.sha256)
    response.headers["Location"] = f"/v1/cases/{reply.case_id}"
    return to_json(reply)


@router.get(
    "/v1/cases/{case_id}",
    dependencies=roles(Role.MODERATOR, Role.AUDITOR, Role.SERVICE),
    response_model=None,
    tags=["cases"],
    summary="One case with all its evidence (a service's own, an appellant's account's)",
    responses={200: proto_response(decision_pb2.Case.DESCRIPTOR), **ERRORS},
)
async def get_case(case_id: str, services: Services) -> dict[str, Any]:
    reply = await services.decision.GetCase(
        decision_pb2.GetCaseRequest(case_id=case_id),
        timeout=RPC_TIMEOUT_SECONDS,
    )
    return to_json(reply.case)


@router.get(
    "/v1/cases/{case_id}/media",
    dependencies=roles(Role.MODERATOR, Role.AUDITOR, Role.SERVICE),
    response_class=FileResponse,
    tags=["cases"],
    summary="The case's media, for a player: Range requests seek (206 Partial Content)",
    response_description="The bytes as uploaded: audio/* or video/* as declared at upload, "
    "anything else as an application/octet-stream attachment.",
    responses={
        200: {"content": {"audio/*": {}, "video/*": {}, "application/octet-stream": {}}},
        206: {"description": "The range asked for (Range: bytes=start-end)."},
        416: {"description": "The range lies past the end of the media."},
        **ERRORS,
    },
)
async def get_case_media(case_id: str, services: Services, store: Blobs) -> FileResponse:
    reply = await services.decision.GetCase(
        decision_pb2.GetCaseRequest(case_id=case_id), timeout=RPC_TIMEOUT_SECONDS
    )
    return media_response(reply.case.media, store)


@router.get(
    "/v1/cases/{case_id}/clips/{flag_sequence}",
    dependencies=roles(Role.MODERATOR, Role.AUDITOR, Role.SERVICE),
    response_class=FileResponse,
    tags=["cases"],
    summary="A live stream's evidence clip around one of its flags (audio/wav; Range "
    "requests seek)",
    response_description="The clip the case lists in live_clips for this flag: second 0 "
    "of the clip is its time_range.start_seconds in the stream.",
    responses={
        200: {"content": {"audio/wav": {}}},
        206: {"description": "The range asked for (Range: bytes=start-end)."},
        416: {"description": "The range lies past the end of the clip."},
        **ERRORS,
    },
)
async def get_live_clip(
    case_id: str,
    flag_sequence: Annotated[int, Path(ge=1, le=2**63 - 1)],
    services: Services,
    store: Blobs,
) -> FileResponse:
    reply = await services.decision.GetCase(
        decision_pb2.GetCaseRequest(case_id=case_id), timeout=RPC_TIMEOUT_SECONDS
    )
    return media_response(live_clip(reply.case, flag_sequence), store)


@router.get(
    "/v1/cases",
    dependencies=roles(Role.MODERATOR, Role.AUDITOR, Role.SERVICE),
    response_model=None,
    tags=["cases"],
    summary="List cases (a service: its own); status=open is the review queue, most urgent first",
    response_description="A page of them and the token of the next page (empty on the "
    "last). A page_token this list did not give out, or one of another status's order, "
    "is a 400.",
    responses={200: proto_response(decision_pb2.ListCasesResponse.DESCRIPTOR), **ERRORS},
)
async def list_cases(
    services: Services,
    status: Annotated[
        CaseStatusName | None, Query(description="Only cases in this status; default: all.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    page_token: PageToken = "",
    account_id: Annotated[
        str, filter_query("Only this account's cases (e.g. its earlier ones).")
    ] = "",
) -> dict[str, Any]:
    request = decision_pb2.ListCasesRequest(
        limit=limit, page_token=page_token, account_id=account_id
    )
    if status is not None:
        request.status = status.to_proto()
    reply = await services.decision.ListCases(request, timeout=RPC_TIMEOUT_SECONDS)
    return to_json(reply)


@router.post(
    "/v1/cases/{case_id}/actions",
    response_model=None,
    tags=["cases"],
    summary="Record the calling reviewer's decision on a case they claimed",
    responses={200: proto_response(decision_pb2.Case.DESCRIPTOR), **ERRORS, **CONFLICT},
)
async def record_action(
    case_id: str, action: ActionIn, services: Services, reviewer: Moderator
) -> dict[str, Any]:
    reply = await services.decision.RecordAction(
        action.to_proto(case_id, reviewer.subject), timeout=RPC_TIMEOUT_SECONDS
    )
    return to_json(reply.case)


@router.post(
    "/v1/cases/retry",
    response_model=None,
    tags=["cases"],
    summary="Analyse FAILED cases again (each retry audited under the caller)",
    response_description="The retried cases, now PROCESSING again. 409 when a named case "
    "is not FAILED; then none is retried.",
    responses={
        200: proto_response(decision_pb2.RetryCasesResponse.DESCRIPTOR),
        **ERRORS,
        409: {"model": ErrorOut, "description": "A named case is not FAILED."},
    },
)
async def retry_cases(body: RetryIn, services: Services, admin: PolicyAdmin) -> dict[str, Any]:
    reply = await services.decision.RetryCases(
        body.to_proto(admin.subject), timeout=RPC_TIMEOUT_SECONDS
    )
    return to_json(reply)
