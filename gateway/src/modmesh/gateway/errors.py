"""The one mapping from gRPC statuses and domain errors to HTTP responses and
WebSocket closes.

Every refusal has the same JSON body, whichever service or layer refused:
``{"error": {"code": "NOT_FOUND", "message": "...", "field_violations": [...]}}``.
A REST route answers it with the HTTP status of `HTTP_STATUS`; a WebSocket sends it as
its last message and closes with `Refusal.close_code`. No stack trace ever reaches
a client: unexpected failures are answered by the telemetry middleware with
`internal_error_response`, naming the trace id they were logged under.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import grpc
import structlog
from fastapi import FastAPI, Request, WebSocket
from fastapi.responses import JSONResponse
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status
from opentelemetry import trace
from starlette.exceptions import HTTPException

from modmesh.runtime.errors import FieldViolation, ServiceError

from .auth import AuthError

log = structlog.get_logger()

#: HTTP status for each gRPC status name; any other name is a 502 (bad gateway).
HTTP_STATUS = {
    "INVALID_ARGUMENT": 400,
    "NOT_FOUND": 404,
    "ALREADY_EXISTS": 409,
    "FAILED_PRECONDITION": 409,
    # Only sizes are limited (media, bodies, texts, lists): "too large" reads it honestly.
    "RESOURCE_EXHAUSTED": 413,
    "UNIMPLEMENTED": 501,
    "UNAVAILABLE": 503,
    "DEADLINE_EXCEEDED": 504,
}
BAD_GATEWAY = 502

#: WebSocket close codes (RFC 6455 7.4.1): the client sent something wrong (1008 policy
#: violation), may try again later (1013), or something behind the gateway failed (1011).
CLIENT_ERROR_CLOSE = 1008
TRY_AGAIN_LATER_CLOSE = 1013
SERVER_ERROR_CLOSE = 1011
_CLIENT_CODES = {
    "INVALID_ARGUMENT",
    "NOT_FOUND",
    "ALREADY_EXISTS",
    "FAILED_PRECONDITION",
    "OUT_OF_RANGE",
    "UNAUTHENTICATED",
    "PERMISSION_DENIED",
}
_TRY_AGAIN_CODES = {"RESOURCE_EXHAUSTED", "UNAVAILABLE"}

#: Codes that gRPC's client library raises by itself (no connection, deadline, crash).
_LIBRARY_CODES = {"UNAVAILABLE", "DEADLINE_EXCEEDED", "INTERNAL", "UNKNOWN", "CANCELLED"}


@dataclass(frozen=True)
class Refusal:
    """What a client is told when its request is refused: a gRPC status name and a
    message a person understands, with the fields to correct."""

    code: str
    message: str
    violations: Sequence[FieldViolation] = field(default=())

    @classmethod
    def of(cls, error: ServiceError) -> Refusal:
        return cls(error.code_name, error.message, error.violations)

    def body(self) -> dict[str, Any]:
        return {
            "error": {
                "code": self.code,
                "message": self.message,
                "field_violations": [
                    {"field": v.field, "description": v.description} for v in self.violations
                ],
            }
        }

    def close_code(self) -> int:
        if self.code in _CLIENT_CODES:
            return CLIENT_ERROR_CLOSE
        if self.code in _TRY_AGAIN_CODES:
            return TRY_AGAIN_LATER_CLOSE
        return SERVER_ERROR_CLOSE


def error_response(
    code: str,
    message: str,
    violations: Sequence[FieldViolation] = (),
    *,
    status_code: int | None = None,
) -> JSONResponse:
    body = Refusal(code, message, violations).body()
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


def rpc_refusal(error: grpc.aio.AioRpcError) -> Refusal:
    """What the caller is told of a failed service call."""
    code = error.code().name
    status = _rich_status(error)
    if status is not None:
        return Refusal(code, status.message, _violations(status))
    if code not in _LIBRARY_CODES:
        return Refusal(code, error.details() or code)
    # A status the client library made itself: its message names internal addresses
    # or carries debug text, so it is logged and the caller gets the trace id.
    log.warning("service call failed", code=code, detail=error.details())
    return Refusal(
        code,
        f"a service behind the gateway failed ({code}); "
        f"the gateway logged it under trace id {current_trace_id()}",
    )


def _response(refusal: Refusal) -> JSONResponse:
    return error_response(refusal.code, refusal.message, refusal.violations)


# Starlette types every handler for Exception, though it calls each only with the type it
# was registered for (install); anything else is not theirs to answer, so it goes on.
async def _grpc_error(_request: Request, error: Exception) -> JSONResponse:
    if not isinstance(error, grpc.aio.AioRpcError):
        raise error
    return _response(rpc_refusal(error))


async def _service_error(_request: Request, error: Exception) -> JSONResponse:
    if not isinstance(error, ServiceError):
        raise error
    return _response(Refusal.of(error))


def internal_refusal(trace_id: str) -> Refusal:
    return Refusal("INTERNAL", f"internal error; the gateway logged it under trace id {trace_id}")


def internal_error_response(trace_id: str) -> JSONResponse:
    refusal = internal_refusal(trace_id)
    return error_response(refusal.code, refusal.message, status_code=500)


async def _auth_error(connection: Request | WebSocket, error: Exception) -> JSONResponse | None:
    """A 401 or 403; a WebSocket handshake is refused with the same response where the
    server can send one (the ASGI denial-response extension), else closed with 1008."""
    if not isinstance(error, AuthError):
        raise error
    code = "UNAUTHENTICATED" if error.status == 401 else "PERMISSION_DENIED"
    if isinstance(connection, WebSocket) and not _can_deny(connection):
        await connection.close(CLIENT_ERROR_CLOSE, code)
        return None
    response = error_response(code, error.message, status_code=error.status)
    if error.status == 401:
        response.headers["WWW-Authenticate"] = "Bearer"
    return response


def _can_deny(websocket: WebSocket) -> bool:
    return "websocket.http.response" in websocket.scope.get("extensions", {})


#: The code a refusal by the HTTP layer itself (unparsable body, unknown method) names.
_HTTP_CODES = {400: "INVALID_ARGUMENT", 404: "NOT_FOUND", 405: "UNIMPLEMENTED"}


async def _http_error(request: Request, error: Exception) -> JSONResponse:
    """Refusals of the HTTP layer (a body that is not JSON, a method the route lacks) in
    the same body as every other refusal, keeping their headers."""
    if not isinstance(error, HTTPException):
        raise error
    code = _HTTP_CODES.get(error.status_code, "INVALID_ARGUMENT")
    response = error_response(code, str(error.detail), status_code=error.status_code)
    response.headers.update(error.headers or {})
    if error.status_code == 405:
        # Starlette names the methods of the first route of the path only; one path may
        # have a route per method (GET and PUT /v1/rules).
        response.headers["Allow"] = ", ".join(sorted(_methods_of(request)))
    return response


def _methods_of(request: Request) -> set[str]:
    """The methods the OpenAPI document lists for the request's path. Where templates
    of several paths match it, the most concrete ones name them, as OpenAPI matches
    paths: /v1/cases/retry is that path's, not /v1/cases/{case_id}'s."""
    document: dict[str, Any] = request.app.openapi()
    by_parameters: dict[int, set[str]] = {}
    for template, operations in document["paths"].items():
        if re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", template), request.url.path):
            methods = by_parameters.setdefault(template.count("{"), set())
            methods |= {method.upper() for method in operations}
    return by_parameters[min(by_parameters)] if by_parameters else set()


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(grpc.aio.AioRpcError, _grpc_error)
    app.add_exception_handler(ServiceError, _service_error)
    # Starlette passes a Request or a WebSocket; its types name one handler per kind.
    app.add_exception_handler(AuthError, _auth_error)  # type: ignore[arg-type]
