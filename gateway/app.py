"""The REST routes: each validates its input, calls one service and renders its reply."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import version
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, FastAPI, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from google.protobuf.json_format import MessageToDict
from google.protobuf.message import Message
from pydantic import BaseModel, ValidationError

from modmesh.decision.v1 import decision_pb2
from modmesh.runtime.blobs import BlobStore
from modmesh.runtime.settings import Settings
from modmesh.similarity.v1 import similarity_pb2
from modmesh.termmatch.v1 import termmatch_pb2

from .backends import Backends
from .errors import install_error_handlers
from .openapi import ENUM_NOTE, install_openapi, proto_response
from .schemas import (
    ActionIn,
    AddTermsIn,
    CaseStatusName,
    CreateListIn,
    ErrorOut,
    MatchIn,
    MediaForm,
    ReadinessOut,
    SimilarityItemForm,
    SimilaritySearchForm,
)
from .telemetry import RequestTelemetry
from .uploads import FILE_FIELD, MissingFile, Upload, receive_upload

#: Deadline of quick calls (lists, cases).
RPC_TIMEOUT_SECONDS = 30.0
#: Deadline of calls that decode media (probing, hashing every sampled frame).
MEDIA_RPC_TIMEOUT_SECONDS = 300.0

TAGS = [
    {"name": "media", "description": "Submit media for moderation; each upload opens a case."},
    {"name": "cases", "description": "The review queue: cases, their evidence and decisions."},
    {"name": "term lists", "description": "The operator's versioned term lists (termmatch)."},
    {"name": "similarity", "description": "Banks of known items found by perceptual hashes."},
    {"name": "health", "description": "Liveness and readiness probes."},
]

DESCRIPTION = f"""REST/JSON bridge to the modmesh gRPC services; bodies mirror the protos.

Every refusal has the body `{{"error": {{"code", "message", "field_violations"}}}}`,
where `code` is the gRPC status name: INVALID_ARGUMENT → 400, NOT_FOUND → 404,
ALREADY_EXISTS and FAILED_PRECONDITION → 409, RESOURCE_EXHAUSTED (media too large) →
413, UNIMPLEMENTED → 501, UNAVAILABLE → 503, DEADLINE_EXCEEDED → 504, others → 502.
A body of the wrong shape is a 422 with FastAPI's `detail`.

In responses: {ENUM_NOTE}"""

ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut, "description": description}
    for code, description in {
        400: "The service refused a value (see field_violations).",
        404: "No such resource.",
        503: "A service behind the gateway is unavailable.",
    }.items()
}
UPLOAD_ERRORS: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    # The form is parsed by `receive_upload`, so FastAPI does not document its 422.
    422: {
        "description": "Validation Error",
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/HTTPValidationError"}}
        },
    },
    413: {"model": ErrorOut, "description": "The file is over the media size limit."},
}
CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorOut, "description": "It exists already."}
}

router = APIRouter()
F = TypeVar("F", bound=BaseModel)


def to_json(message: Message) -> dict[str, Any]:
    return MessageToDict(
        message,
        preserving_proto_field_name=True,
        # A stable shape: every scalar and list is present, even at its default.
        always_print_fields_with_no_presence=True,
        unquote_int64_if_possible=True,
    )


def _backends(request: Request) -> Backends:
    backends: Backends = request.app.state.backends
    return backends


def _blob_store(request: Request) -> BlobStore:
    store: BlobStore = request.app.state.blob_store
    return store


Services = Annotated[Backends, Depends(_backends)]
Blobs = Annotated[BlobStore, Depends(_blob_store)]


def multipart_body(form: type[BaseModel], file_description: str) -> dict[str, Any]:
    """The OpenAPI request body of a form parsed by `receive_upload`, not by FastAPI."""
    schema = form.model_json_schema()
    schema["properties"] = {
        FILE_FIELD: {"type": "string", "format": "binary", "description": file_description},
        **schema["properties"],
    }
    schema["required"] = [FILE_FIELD, *schema.get("required", [])]
    return {
        "requestBody": {
            "required": True,
            "content": {"multipart/form-data": {"schema": schema}},
        }
    }


async def _upload(request: Request, store: BlobStore, form: type[F]) -> tuple[Upload, F]:
    """Stores the uploaded file and validates the fields sent with it (422 like FastAPI)."""
    try:
        upload = await receive_upload(request, store)
    except MissingFile:
        raise RequestValidationError(
            [{"type": "missing", "loc": ("body", FILE_FIELD), "msg": "Field required"}]
        ) from None
    try:
        fields = form.model_validate(upload.fields)
    except ValidationError as error:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in error.errors(include_url=False)]
        ) from None
    return upload, fields


@router.post(
    "/v1/media",
    response_model=None,
    tags=["media"],
    status_code=202,
    summary="Submit media for moderation",
    response_description="The case opened (or found again: `duplicate`). "
    "Its Location header names the case.",
    responses={202: proto_response(decision_pb2.SubmitResponse.DESCRIPTOR), **UPLOAD_ERRORS},
    openapi_extra=multipart_body(MediaForm, "Audio or video; streamed, never buffered."),
)
async def submit_media(
    request: Request, response: Response, services: Services, store: Blobs
) -> dict[str, Any]:
    upload, form = await _upload(request, store, MediaForm)
    reply = await services.decision.Submit(
        decision_pb2.SubmitRequest(media=upload.media_ref(), source=form.to_source()),
        timeout=MEDIA_RPC_TIMEOUT_SECONDS,
    )
    response.headers["Location"] = f"/v1/cases/{reply.case_id}"
    return to_json(reply)


@router.get(
    "/v1/cases/{case_id}",
    response_model=None,
    tags=["cases"],
    summary="One case with all its evidence",
    responses={200: proto_response(decision_pb2.Case.DESCRIPTOR), **ERRORS},
)
async def get_case(case_id: str, services: Services) -> dict[str, Any]:
    reply = await services.decision.GetCase(
        decision_pb2.GetCaseRequest(case_id=case_id), timeout=RPC_TIMEOUT_SECONDS
    )
    return to_json(reply.case)


@router.get(
    "/v1/cases",
    response_model=None,
    tags=["cases"],
    summary="List cases; status=open is the review queue, most urgent first",
    responses={200: proto_response(decision_pb2.ListCasesResponse.DESCRIPTOR), **ERRORS},
)
async def list_cases(
    services: Services,
    status: Annotated[
        CaseStatusName | None, Query(description="Only cases in this status; default: all.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> dict[str, Any]:
    request = decision_pb2.ListCasesRequest(limit=limit)
    if status is not None:
        request.status = status.to_proto()
    return to_json(await services.decision.ListCases(request, timeout=RPC_TIMEOUT_SECONDS))


@router.post(
    "/v1/cases/{case_id}/actions",
    response_model=None,
    tags=["cases"],
    summary="Record a reviewer's decision on a case",
    responses={200: proto_response(decision_pb2.Case.DESCRIPTOR), **ERRORS, **CONFLICT},
)
async def record_action(case_id: str, action: ActionIn, services: Services) -> dict[str, Any]:
    reply = await services.decision.RecordAction(
        action.to_proto(case_id), timeout=RPC_TIMEOUT_SECONDS
    )
    return to_json(reply.case)


@router.get(
    "/v1/lists",
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


@router.post(
    "/v1/similarity/items",
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
async def add_similarity_item(request: Request, services: Services, store: Blobs) -> dict[str, Any]:
    upload, form = await _upload(request, store, SimilarityItemForm)
    reply = await services.similarity.AddItem(
        similarity_pb2.AddItemRequest(
            media=upload.media_ref(), bank=form.bank, item_id=form.item_id, label=form.label
        ),
        timeout=MEDIA_RPC_TIMEOUT_SECONDS,
    )
    return to_json(reply)


@router.post(
    "/v1/similarity/search",
    response_model=None,
    tags=["similarity"],
    summary="Find known items that the uploaded media is a near-duplicate of",
    responses={200: proto_response(similarity_pb2.SearchResponse.DESCRIPTOR), **UPLOAD_ERRORS},
    openapi_extra=multipart_body(SimilaritySearchForm, "The video to look up."),
)
async def search_similar(request: Request, services: Services, store: Blobs) -> dict[str, Any]:
    upload, form = await _upload(request, store, SimilaritySearchForm)
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


@router.get("/healthz", tags=["health"], summary="Liveness: the gateway process runs")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    tags=["health"],
    summary="Readiness: every service reports SERVING",
    response_model=ReadinessOut,
    responses={503: {"model": ReadinessOut, "description": "A service is not SERVING."}},
)
async def readyz(services: Services) -> JSONResponse:
    statuses = await services.health()
    ready = all(status == "SERVING" for status in statuses.values())
    return JSONResponse(
        ReadinessOut(ready=ready, services=statuses).model_dump(),
        status_code=200 if ready else 503,
    )


def create_app(settings: Settings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # gRPC aio channels belong to the loop that serves requests: open them there.
        app.state.backends = Backends.connect(settings)
        try:
            yield
        finally:
            await app.state.backends.close()

    app = FastAPI(
        title="modmesh gateway",
        version=version("modmesh"),
        description=DESCRIPTION,
        openapi_tags=TAGS,
        lifespan=lifespan,
    )
    app.state.blob_store = BlobStore(settings.data_dir / "blobs", settings.max_media_bytes)
    app.include_router(router)
    install_error_handlers(app)
    app.add_middleware(RequestTelemetry)
    install_openapi(
        app,
        [
            decision_pb2.SubmitResponse.DESCRIPTOR,
            decision_pb2.Case.DESCRIPTOR,
            decision_pb2.ListCasesResponse.DESCRIPTOR,
            termmatch_pb2.TermList.DESCRIPTOR,
            termmatch_pb2.ListListsResponse.DESCRIPTOR,
            termmatch_pb2.MatchResponse.DESCRIPTOR,
            similarity_pb2.AddItemResponse.DESCRIPTOR,
            similarity_pb2.SearchResponse.DESCRIPTOR,
        ],
    )
    return app
