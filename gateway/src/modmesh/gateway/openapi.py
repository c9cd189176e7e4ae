"""OpenAPI schemas of the responses, derived from the protobuf descriptors.

Responses are the protos rendered by `json_format.MessageToDict`, so their schemas are
generated from the same descriptors rather than written twice and left to drift.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from google.protobuf.descriptor import Descriptor, FieldDescriptor

_REF_PREFIX = "#/components/schemas/"
_SCALARS: dict[int, dict[str, Any]] = {
    FieldDescriptor.TYPE_DOUBLE: {"type": "number"},
    FieldDescriptor.TYPE_FLOAT: {"type": "number"},
    FieldDescriptor.TYPE_BOOL: {"type": "boolean"},
    FieldDescriptor.TYPE_STRING: {"type": "string"},
    FieldDescriptor.TYPE_BYTES: {"type": "string", "format": "byte"},
}
_INT64 = {
    FieldDescriptor.TYPE_INT64,
    FieldDescriptor.TYPE_UINT64,
    FieldDescriptor.TYPE_SINT64,
    FieldDescriptor.TYPE_FIXED64,
    FieldDescriptor.TYPE_SFIXED64,
}
_WELL_KNOWN = {
    "google.protobuf.Timestamp": {"type": "string", "format": "date-time"},
}

ENUM_NOTE = (
    "field names are the protos' snake_case names; enums are their full proto names "
    "(e.g. CASE_STATUS_OPEN, SEVERITY_HIGH); 64-bit integers are JSON numbers; "
    "timestamps are RFC 3339 strings; unset messages and unset `optional` fields are "
    "omitted, every other field is present, at its default when unset."
)


#: Every message a route's schema refers to, so the document defines each one it names
#: (a route needs no second list of its messages to keep its references resolvable).
_REFERENCED: dict[str, Descriptor] = {}


def proto_ref(message: Descriptor) -> dict[str, str]:
    _REFERENCED[message.full_name] = message
    return {"$ref": _REF_PREFIX + message.full_name}


def proto_response(message: Descriptor) -> dict[str, Any]:
    """A FastAPI `responses` entry whose JSON body is `message`."""
    return {"content": {"application/json": {"schema": proto_ref(message)}}}


def _field_schema(fd: FieldDescriptor, pending: list[Descriptor]) -> dict[str, Any]:
    schema: dict[str, Any]
    if fd.type == FieldDescriptor.TYPE_MESSAGE:
        known = _WELL_KNOWN.get(fd.message_type.full_name)
        if known is not None:
            schema = dict(known)
        else:
            pending.append(fd.message_type)
            schema = proto_ref(fd.message_type)
    elif fd.type == FieldDescriptor.TYPE_ENUM:
        schema = {"type": "string", "enum": [value.name for value in fd.enum_type.values]}
    elif fd.type in _INT64:
        # json_format writes 64-bit integers as numbers when a double holds them exactly.
        schema = {"type": "integer", "format": "int64"}
    elif fd.type in _SCALARS:
        schema = dict(_SCALARS[fd.type])
    else:
        schema = {"type": "integer", "format": "int32"}
    if fd.is_repeated:
        return {"type": "array", "items": schema}
    return schema


def proto_schemas(roots: list[Descriptor]) -> dict[str, dict[str, Any]]:
    """Component schemas for `roots` and every message they contain."""
    schemas: dict[str, dict[str, Any]] = {}
    pending = list(roots)
    while pending:
        message = pending.pop()
        if message.full_name in schemas:
            continue
        schemas[message.full_name] = {
            "type": "object",
            "title": message.name,
            "properties": {fd.name: _field_schema(fd, pending) for fd in message.fields},
        }
    return schemas


#: Refusals every credentialed route may answer, before the route itself runs.
_AUTH_REFUSALS = {
    "401": "No credential, or one that is not valid.",
    "403": "The credential's roles do not include one the route admits.",
}


def _document_refusals(document: dict[str, Any]) -> None:
    """Lists the 401 and 403 on every /v1 operation, as each can answer them."""
    error = {"application/json": {"schema": {"$ref": _REF_PREFIX + "ErrorOut"}}}
    for path, operations in document["paths"].items():
        if not path.startswith("/v1/"):
            continue
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for status, description in _AUTH_REFUSALS.items():
                responses.setdefault(status, {"description": description, "content": error})


def install_openapi(app: FastAPI, messages: list[Descriptor]) -> None:
    """Generates the document once, with the proto schemas the routes refer to."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
                tags=app.openapi_tags,
            )
            document.setdefault("components", {}).setdefault("schemas", {}).update(
                proto_schemas([*messages, *_REFERENCED.values()])
            )
            _document_refusals(document)
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
