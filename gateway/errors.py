"""The one mapping from gRPC statuses and domain errors to HTTP responses.

Every refusal has the same JSON body, whichever service or layer refused:
``{"error": {"code": "NOT_FOUND", "message": "...", "field_violations": [...]}}``.
No stack trace ever reaches a response: unexpected failures are answered by the
telemetry middleware with `internal_error_response`, naming the trace id they were
logged under.
"""

from __future__ import annotations

from collections.abc import Sequence

import grpc
import structlog
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status
from opentelemetry import trace

from modmesh.runtime.errors import FieldViolation, ServiceError

from .auth import AuthError

log = structlog.get_logger()

#: HTTP status for each gRPC status name; any other name is a 502 (bad gateway).
HTTP_STATUS = {
    "INVALID_ARGUMENT": 400,
    "NOT_FOUND": 404,
    "ALREADY_EXISTS": 409,
    "FAILED_PRECONDITION": 409,
    # Only media size is limited, so "too large" is the honest HTTP reading.
    "RESOURCE_EXHAUSTED": 413,
    "UNIMPLEMENTED": 501,
    "UNAVAILABLE": 503,
    "DEADLINE_EXCEEDED": 504,
}
BAD_GATEWAY = 502

#: Codes that gRPC's client library raises by itself (no connection, deadline, crash).
_LIBRARY_CODES = {"UNAVAILABLE", "DEADLINE_EXCEEDED", "INTERNAL", "UNKNOWN", "CANCELLED"}


def error_response(
    code: str,
    message: str,
    violations: Sequence[FieldViolation] = (),
    *,
    status_code: int | None = None,
) -> JSONResponse:
    body = {
        "error": {
            "code": code,
            "message": message,
            "field_violations": [
                {"field": v.field, "description": v.description} for v in violations
            ],
        }
    }
    return JSONResponse(body, status_code=status_code or HTTP_STATUS.get(code, BAD_GATEWAY))


def _rich_status(error: grpc.aio.AioRpcError) -> status_pb2.Status | None:
    """The google.rpc.Status a modmesh service attaches to every refusal it makes.

    Its absence tells a status the client library made up (no connection, deadline)
    from one a service chose.
    """
    try:
        return rpc_status.from_call(error)
    except ValueError:  # the rich status contradicts the call's own status: ignore it
        return None


def _violations(status: status_pb2.Status) -> list[FieldViolation]:
    found: list[FieldViolation] = []
    for detail in status.details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad_request = error_details_pb2.BadRequest()
            detail.Unpack(bad_request)
            found.extend(
                FieldViolation(v.field, v.description) for v in bad_request.field_violations
            )
    return found


def current_trace_id() -> str:
    return format(trace.get_current_span().get_span_context().trace_id, "032x")


async def _grpc_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, grpc.aio.AioRpcError)
    code = error.code().name
    status = _rich_status(error)
    if status is not None:
        return error_response(code, status.message, _violations(status))
    if code not in _LIBRARY_CODES:
        return error_response(code, error.details() or code)
    # A status the client library made itself: its message names internal addresses
    # or carries debug text, so it is logged and the caller gets the trace id.
    log.warning("service call failed", code=code, detail=error.details())
    return error_response(
        code,
        f"a service behind the gateway failed ({code}); "
        f"the gateway logged it under trace id {current_trace_id()}",
    )


async def _service_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ServiceError)
    return error_response(error.code_name, error.message, error.violations)


def internal_error_response(trace_id: str) -> JSONResponse:
    return error_response(
        "INTERNAL",
        f"internal error; the gateway logged it under trace id {trace_id}",
        status_code=500,
    )


async def _auth_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, AuthError)
    if error.status == 401:
        response = error_response("UNAUTHENTICATED", error.message, status_code=401)
        response.headers["WWW-Authenticate"] = "Bearer"
        return response
    return error_response("PERMISSION_DENIED", error.message, status_code=403)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(grpc.aio.AioRpcError, _grpc_error)
    app.add_exception_handler(ServiceError, _service_error)
    app.add_exception_handler(AuthError, _auth_error)
