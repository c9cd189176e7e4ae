"""What every console page shares: the signed-in reviewer, forms, rendering, headers.

Pages are rendered on the server from Jinja2 templates, which escape everything they
are given (transcripts, terms, names and notes are untrusted text); the browser runs
only the console's own script files (the Content-Security-Policy admits no inline
script). Every page names the roles it admits, as the API's routes do.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any

import jinja2
from fastapi import Depends, Form, Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from modmesh.runtime.blobs import BlobStore
from modmesh.runtime.roles import Role

from ..auth import ROLES_ATTRIBUTE, admit
from ..backends import Backends
from . import present
from .session import COOKIE, Session, Sessions

HERE = Path(__file__).parent
# Every template escapes what it is given, whatever its file name: an explicit
# environment rather than one that autoescapes by extension.
templates = Jinja2Templates(
    env=jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True, auto_reload=False
    )
)
templates.env.filters.update(present.FILTERS)

#: No script but the console's own files, no plugins, no framing, forms only to itself.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "media-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)
SECURITY_HEADERS = {
    b"content-security-policy": CONTENT_SECURITY_POLICY.encode(),
    b"x-content-type-options": b"nosniff",
    b"referrer-policy": b"same-origin",
    b"x-frame-options": b"DENY",
}

#: The pages of the console's navigation, and who sees each.
NAVIGATION = (
    ("Queue", "/console/queue", frozenset({Role.MODERATOR, Role.AUDITOR})),
    ("Live", "/console/live", frozenset({Role.MODERATOR, Role.AUDITOR})),
    ("Appeals", "/console/appeals", frozenset({Role.MODERATOR})),
    ("Lists", "/console/lists", frozenset({Role.POLICY_ADMIN})),
    ("Rules", "/console/rules", frozenset({Role.POLICY_ADMIN})),
    ("Your cases", "/console/mine", frozenset({Role.APPELLANT})),
)


class SecurityHeaders:
    """Sets the console's headers on every response that does not set its own (media
    carries a stricter policy of its own)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present_names = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in SECURITY_HEADERS.items() if k not in present_names]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def sessions_of(request: Request) -> Sessions:
    sessions: Sessions = request.app.state.sessions
    return sessions


def signed_in(*roles: Role) -> Callable[..., Awaitable[Session]]:
    """A page dependency admitting a signed-in reviewer with any of `roles`."""
    admitted = frozenset(roles)

    async def dependency(request: Request) -> Session:
        session = sessions_of(request).read(request.cookies.get(COOKIE))
        admit(session.principal, admitted, request.url.path)
        return session

    setattr(dependency, ROLES_ATTRIBUTE, admitted)
    return dependency


def _backends(request: Request) -> Backends:
    backends: Backends = request.app.state.gateway.state.backends
    return backends


def _blob_store(request: Request) -> BlobStore:
    store: BlobStore = request.app.state.gateway.state.blob_store
    return store


Services = Annotated[Backends, Depends(_backends)]
Blobs = Annotated[BlobStore, Depends(_blob_store)]
Anyone = Annotated[Session, Depends(signed_in(*Role))]
Reader = Annotated[Session, Depends(signed_in(Role.MODERATOR, Role.AUDITOR))]
Moderator = Annotated[Session, Depends(signed_in(Role.MODERATOR))]
PolicyAdmin = Annotated[Session, Depends(signed_in(Role.POLICY_ADMIN))]
Appellant = Annotated[Session, Depends(signed_in(Role.APPELLANT))]
#: Who may open a case's page: appellants see their own account's cases only (decision
#: enforces the scope their session carries).
CaseReader = Annotated[Session, Depends(signed_in(Role.MODERATOR, Role.AUDITOR, Role.APPELLANT))]
CsrfToken = Annotated[str, Form(alias="csrf")]


def render(request: Request, session: Session | None, template: str, **context: Any) -> Response:
    """A page, with what the layout needs: who is signed in, since when, the navigation
    they may follow and the token their forms carry."""
    pages = navigation(session) if session else []
    return templates.TemplateResponse(
        request, template, {"session": session, "navigation": pages, **context}
    )


def navigation(session: Session) -> list[tuple[str, str]]:
    """The pages the session's roles open, as (name, path)."""
    roles = session.principal.roles
    return [(name, href) for name, href, admits in NAVIGATION if roles & admits]


def next_page(request: Request, token: str) -> str:
    """This page's URL asking for the page a listing's next_page_token names; empty on
    the last page."""
    return str(request.url.include_query_params(page_token=token)) if token else ""
