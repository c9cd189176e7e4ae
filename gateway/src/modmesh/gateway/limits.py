"""A body-size limit per route, enforced before a route reads its body.

FastAPI reads a JSON body whole before the route runs, so the cap has to sit in front
of it: this middleware refuses a declared Content-Length over the route's limit at
once, and otherwise reads the body itself, counting, up to the limit (so memory stays
bounded by the limit, chunked bodies included) before handing it on. Uploads stream
into the blob store, which refuses them past the media limit, so their routes are not
buffered here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import Refusal
from .settings import GatewaySettings

#: Paths of the routes whose uploads stream into the blob store.
STREAMED_PATHS = frozenset({"/v1/media", "/v1/similarity/items", "/v1/similarity/search"})
#: The path of a term list import, whose CSV or JSON Lines body has a limit of its own.
IMPORT_PATH = re.compile(r"/v1/lists/[^/]+/import")


@dataclass(frozen=True)
class BodyLimits:
    """Bytes of body a route admits, and the setting that says so."""

    json_bytes: int
    import_bytes: int

    @classmethod
    def of(cls, settings: GatewaySettings) -> BodyLimits:
        return cls(settings.max_json_body_bytes, settings.max_import_body_bytes)

    def limit(self, path: str) -> tuple[int | None, str]:
        """The limit of a request path (None: it streams) and the setting to name."""
        if path in STREAMED_PATHS:
            return None, "MODMESH_MAX_MEDIA_BYTES"
        if IMPORT_PATH.fullmatch(path):
            return self.import_bytes, "MODMESH_MAX_IMPORT_BODY_BYTES"
        return self.json_bytes, "MODMESH_MAX_JSON_BODY_BYTES"


class BodyTooLarge(Exception):
    pass


class BodyLimit:
    """ASGI middleware: 413 for a body over its route's limit, before the route reads it."""

    def __init__(self, app: ASGIApp, limits: BodyLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        limit, name = self.limits.limit(scope["path"])
        if limit is None:
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        try:
            if declared is not None and declared > limit:
                raise BodyTooLarge
            body = await _read_at_most(receive, limit)
        except BodyTooLarge:
            refusal = Refusal(
                "RESOURCE_EXHAUSTED",
                f"the request body is over the limit of {limit} bytes for this route ({name})",
            )
            # The unread rest of the body makes the connection useless: close it.
            response = JSONResponse(refusal.body(), 413, headers={"connection": "close"})
            await response(scope, receive, send)
            return
        await self.app(scope, _replay(body, receive), send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _read_at_most(receive: Receive, limit: int) -> bytes:
    body = bytearray()
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        body += message.get("body", b"")
        if len(body) > limit:
            raise BodyTooLarge
        if not message.get("more_body", False):
            break
    return bytes(body)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            # After the body, a route waiting on the connection sees its disconnect.
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay
