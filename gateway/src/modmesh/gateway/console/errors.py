"""Refusals as pages: the same refusal the API would answer in JSON (errors.py), shown
to a person, with no stack trace and a way back."""

from __future__ import annotations

import grpc
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse, Response

from modmesh.runtime.errors import ServiceError

from ..auth import AuthError
from ..errors import BAD_GATEWAY, HTTP_STATUS, Refusal, rpc_refusal
from .session import SignInRequired
from .web import render


def _page(request: Request, refusal: Refusal, status: int) -> Response:
    response = render(request, None, "refusal.html", refusal=refusal)
    response.status_code = status
    return response


async def _sign_in_required(request: Request, error: Exception) -> Response:
    # A page the browser navigates to goes to the sign-in page; media, events and forms
    # are told.
    if request.method == "GET" and "text/html" in request.headers.get("accept", ""):
        return RedirectResponse("/console/sign-in", status_code=303)
    return _page(request, Refusal("UNAUTHENTICATED", "sign in first"), 401)


async def _refused(request: Request, error: Exception) -> Response:
    if isinstance(error, AuthError):
        code = "UNAUTHENTICATED" if error.status == 401 else "PERMISSION_DENIED"
        return _page(request, Refusal(code, error.message), error.status)
    if isinstance(error, grpc.aio.AioRpcError):
        refusal = rpc_refusal(error)
    elif isinstance(error, ServiceError):
        refusal = Refusal.of(error)
    elif isinstance(error, RequestValidationError):
        fields = ", ".join(".".join(str(p) for p in e["loc"][1:]) for e in error.errors())
        return _page(request, Refusal("INVALID_ARGUMENT", f"check the form: {fields}"), 400)
    elif isinstance(error, HTTPException):
        return _page(request, Refusal("NOT_FOUND", str(error.detail)), error.status_code)
    else:
        raise error
    return _page(request, refusal, HTTP_STATUS.get(refusal.code, BAD_GATEWAY))


def install_page_errors(console: FastAPI) -> None:
    console.add_exception_handler(SignInRequired, _sign_in_required)
    refusals = (AuthError, grpc.aio.AioRpcError, ServiceError, RequestValidationError)
    for kind in (*refusals, HTTPException):
        console.add_exception_handler(kind, _refused)
