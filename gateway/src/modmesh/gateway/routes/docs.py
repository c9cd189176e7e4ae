"""The API's documentation behind a credential: the OpenAPI document and its Swagger
page describe every route and field an attacker would probe, so unless
MODMESH_PUBLIC_DOCS is set they need a credential of any role, like the API itself."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

from modmesh.runtime.roles import Role

from ..auth import roles

router = APIRouter(include_in_schema=False, dependencies=roles(*Role))


@router.get("/openapi.json")
async def openapi_document(request: Request) -> dict[str, Any]:
    document: dict[str, Any] = request.app.openapi()
    return document


@router.get("/docs")
async def swagger_page(request: Request) -> HTMLResponse:
    # The page fetches /openapi.json itself: it works where the client sends the
    # credential with every request (a proxy, or a tool), or with public docs.
    return get_swagger_ui_html(openapi_url="/openapi.json", title=f"{request.app.title} docs")
