"""The reviewers' console: pages for the queue, a case's evidence and decision, live
streams, appeals, and the operator's lists and rules, served by the gateway under
/console. It calls the same services as the REST API, as the signed-in reviewer, and
shows each reviewer only what their roles allow (docs/console.md)."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles

from modmesh.runtime.identity import Identity

from ..auth import Authenticator
from ..settings import GatewaySettings
from . import appeals, case, items, lists, live, queue, rules, signin
from .errors import install_page_errors
from .session import SECRET_PURPOSE, Sessions
from .web import HERE, SecurityHeaders

PREFIX = "/console"
ROUTERS = [
    signin.router,
    queue.router,
    live.router,
    case.router,
    items.router,
    appeals.router,
    lists.router,
    rules.router,
]


def create_console(gateway: FastAPI) -> FastAPI:
    """The console as an application of its own, mounted on the gateway at PREFIX: its
    errors are pages, not JSON, and its headers forbid inline script. It opens its
    sessions once the gateway holds its service key (`open_sessions`)."""
    console = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    console.state.gateway = gateway
    console.state.authenticator = gateway.state.authenticator
    for router in ROUTERS:
        console.include_router(router)
    console.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    install_page_errors(console)
    console.add_middleware(SecurityHeaders)
    return console


def open_sessions(console: FastAPI, settings: GatewaySettings, identity: Identity) -> None:
    authenticator: Authenticator = console.state.authenticator
    secret = identity.derive_secret(SECRET_PURPOSE)
    console.state.sessions = Sessions(secret, authenticator, settings.console_session_seconds)
