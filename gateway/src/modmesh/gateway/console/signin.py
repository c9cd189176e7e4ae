"""Signing in and out: a credential in, a session cookie out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from ..auth import PUBLIC, AuthError
from ..errors import Refusal
from .session import COOKIE, COOKIE_PATH
from .web import Anyone, CsrfToken, navigation, render, sessions_of

NOTHING_TO_SEE = Refusal("PERMISSION_DENIED", "none of your roles has a page in the console")

router = APIRouter()
HOME = "/console/"


@router.get("/")
async def home(request: Request, session: Anyone) -> Response:
    """Where a reviewer starts: the first page their roles open."""
    pages = navigation(session)
    if not pages:
        return render(request, session, "refusal.html", refusal=NOTHING_TO_SEE)
    return RedirectResponse(pages[0][1], status_code=303)


@router.get("/sign-in", dependencies=[PUBLIC])
async def sign_in_page(request: Request) -> Response:
    return render(request, None, "sign_in.html", error="")


@router.post("/sign-in", dependencies=[PUBLIC])
async def sign_in(request: Request, credential: Annotated[str, Form()]) -> Response:
    try:
        session, cookie = sessions_of(request).sign_in(credential)
    except AuthError as error:
        response = render(request, None, "sign_in.html", error=error.message)
        response.status_code = 401
        return response
    response = RedirectResponse(HOME, status_code=303)
    response.set_cookie(
        COOKIE,
        cookie,
        max_age=int(session.expires_at - session.signed_in_at),
        path=COOKIE_PATH,
        secure=request.url.scheme == "https",
        httponly=True,
        samesite="strict",
    )
    return response


@router.post("/sign-out")
async def sign_out(session: Anyone, csrf: CsrfToken) -> Response:
    session.check_csrf(csrf)
    response = RedirectResponse("/console/sign-in", status_code=303)
    response.delete_cookie(COOKIE, path=COOKIE_PATH, httponly=True, samesite="strict")
    return response
