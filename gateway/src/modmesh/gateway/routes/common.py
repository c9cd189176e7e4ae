"""What every route module shares: dependencies, deadlines, documented errors, uploads."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any, TypeVar

import anyio.to_thread
from fastapi import Depends, Query, Request
from fastapi.exceptions import RequestValidationError
from google.protobuf.json_format import MessageToDict
from google.protobuf.message import Message
from pydantic import BaseModel, ValidationError
from starlette.requests import HTTPConnection

from modmesh.runtime.blobs import BlobStore

from ..backends import Backends
from ..schemas import ErrorOut
from ..uploads import FILE_FIELD, MissingFile, Upload, receive_upload

#: Deadline of quick calls (lists, cases).
RPC_TIMEOUT_SECONDS = 30.0
#: Deadline of calls that decode media (probing, hashing every sampled frame).
MEDIA_RPC_TIMEOUT_SECONDS = 300.0

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

F = TypeVar("F", bound=BaseModel)

#: The query parameter of a paged list: the next_page_token of the page before.
PageToken = Annotated[
    str,
    Query(
        max_length=1000,
        description="The next_page_token of the previous page; none for the first page.",
    ),
]


def filter_query(description: str) -> Any:
    """A list's text filter: empty (the default) keeps everything."""
    return Query(max_length=255, description=description)


def to_json(message: Message) -> dict[str, Any]:
    fields: dict[str, Any] = MessageToDict(
        message,
        preserving_proto_field_name=True,
        # A stable shape: every scalar and list is present, even at its default.
        always_print_fields_with_no_presence=True,
        unquote_int64_if_possible=True,
    )
    return fields


def _backends(connection: HTTPConnection) -> Backends:
    backends: Backends = connection.app.state.backends
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
        **{name: _form_field(field) for name, field in schema["properties"].items()},
    }
    schema["required"] = [FILE_FIELD, *schema.get("required", [])]
    return {
        "requestBody": {
            "required": True,
            "content": {"multipart/form-data": {"schema": schema}},
        }
    }


def _form_field(schema: dict[str, Any]) -> dict[str, Any]:
    """A form field's schema without its null: a field is text or absent, never null."""
    branches = [branch for branch in schema.get("anyOf", []) if branch != {"type": "null"}]
    if len(branches) == 1:
        schema = {key: value for key, value in schema.items() if key != "anyOf"} | branches[0]
    if "default" in schema and schema["default"] is None:
        del schema["default"]
    return schema


@asynccontextmanager
async def upload_with_form(
    request: Request, store: BlobStore, form: type[F], *, keep: bool
) -> AsyncIterator[tuple[Upload, F]]:
    """Stores the uploaded file and validates the fields sent with it (422 like FastAPI).

    A blob this upload brought to the store is removed again when the request fails,
    and in any case unless `keep` (a search query or a bank item is hashed and done
    with; a case's media is kept while the case refers to it). Bytes that were in the
    store before belong to whoever put them there and stay.
    """
    try:
        upload = await receive_upload(request, store)
    except MissingFile:
        raise RequestValidationError(
            [{"type": "missing", "loc": ("body", FILE_FIELD), "msg": "Field required"}]
        ) from None
    kept = False
    try:
        try:
            fields = form.model_validate(upload.fields)
        except ValidationError as error:
            raise RequestValidationError(
                [{**e, "loc": ("body", *e["loc"])} for e in error.errors(include_url=False)]
            ) from None
        yield upload, fields
        kept = keep
    finally:
        if upload.created and not kept:
            await anyio.to_thread.run_sync(store.discard, upload.blob)
