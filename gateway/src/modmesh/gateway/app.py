"""The gateway application: the routes of gateway/routes behind one error mapping,
request telemetry and an OpenAPI document that mirrors the protos."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import version

from fastapi import FastAPI

from modmesh.gateway.settings import GatewaySettings
from modmesh.runtime.blobs import BlobStore
from modmesh.runtime.identity import Identity

from .auth import Authenticator
from .backends import Backends
from .console import PREFIX as CONSOLE_PREFIX
from .console import create_console, open_sessions
from .errors import install_error_handlers
from .limits import BodyLimit, BodyLimits
from .openapi import ENUM_NOTE, install_openapi
from .routes import PROTO_SCHEMAS, ROUTERS, docs
from .telemetry import RequestTelemetry

TAGS = [
    {"name": "media", "description": "Submit media for moderation; each upload opens a case."},
    {"name": "cases", "description": "The review queue: cases, their evidence and decisions."},
    {"name": "review", "description": "Reviewers' queues and leases; reviewers, accounts."},
    {"name": "appeals", "description": "Appeals and statements of reasons (EU DSA)."},
    {"name": "rules", "description": "The operator's versioned rules: evidence → outcome."},
    {"name": "term lists", "description": "The operator's versioned term lists (termmatch)."},
    {"name": "similarity", "description": "Banks of known items found by perceptual hashes."},
    {"name": "streams", "description": "Live streams on air and their flags (the live wall)."},
    {"name": "audit", "description": "The audit log's signed head, to keep elsewhere."},
    {"name": "health", "description": "Liveness and readiness probes."},
]

DESCRIPTION = f"""REST/JSON bridge to the modmesh gRPC services; bodies mirror the protos.

Every refusal has the body `{{"error": {{"code", "message", "field_violations"}}}}`,
where `code` is the gRPC status name: INVALID_ARGUMENT → 400, NOT_FOUND → 404,
ALREADY_EXISTS and FAILED_PRECONDITION → 409, RESOURCE_EXHAUSTED (a media, body or text
limit) → 413, UNIMPLEMENTED → 501, UNAVAILABLE → 503, DEADLINE_EXCEEDED → 504, others → 502.
A body of the wrong shape is a 422 with FastAPI's `detail`.

Every route but the health probes needs a credential: an API key (`X-API-Key`, or
`Authorization: Bearer <key>`) or a JWT bearer token (HS256; claims `sub`, `roles`,
`exp`). Each route admits some of the roles moderator, policy-admin, auditor, appellant
and service: no credential or an invalid one is a 401 UNAUTHENTICATED, a role the route
does not admit a 403 PERMISSION_DENIED. Who acts (reviewer, publisher, appellant) is the
credential's subject.

Live streams (not listed below: OpenAPI has no WebSockets): the WebSocket
`/v1/streams/{{stream_id}}/live` (role service) bridges decision.ModerateStream. Its
credential may also be offered as the subprotocol `bearer.<token>` beside `modmesh.v1`.
The client sends a JSON text message that opens the stream (`account_id`, `start_time`,
`format` {{`encoding`: pcm_s16le or container, `sample_rate_hz`, `channels`}},
`resume_from_seconds`), then binary messages of audio, then `{{"end": {{}}}}`. The server
sends each `modmesh.decision.v1.ModerateStreamResponse` as JSON (`{{"opened": …}}`,
`{{"ack": …}}`, `{{"flag": …}}`, `{{"clip": …}}`, `{{"action": …}}`) and closes with 1000
after the end; a refusal is the error body above, then a close with 1008 (client error),
1013 (RESOURCE_EXHAUSTED, UNAVAILABLE: try again later) or 1011 (server failure). When a
moderator ends the stream (an end_stream action on its case), the last message is that
`{{"action": …}}` (END_STREAM, no `rule`), then a close with 1000; the platform hears of it
through the action adapter too.

In responses: {ENUM_NOTE}"""


def create_app(settings: GatewaySettings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # gRPC aio channels belong to the loop that serves requests: open them there.
        identity = Identity.load(settings, "gateway")
        app.state.backends = Backends.connect(settings, identity)
        open_sessions(console, settings, identity)
        try:
            yield
        finally:
            await app.state.backends.close()

    app = FastAPI(
        title="modmesh gateway",
        version=version("modmesh-gateway"),
        description=DESCRIPTION,
        openapi_tags=TAGS,
        lifespan=lifespan,
        # FastAPI's own documentation routes are public; otherwise routes/docs serves them.
        docs_url="/docs" if settings.public_docs else None,
        redoc_url="/redoc" if settings.public_docs else None,
        openapi_url="/openapi.json" if settings.public_docs else None,
    )
    app.state.blob_store = BlobStore.of_mesh(settings)
    # Malformed keys stop start-up here, naming the entry (never the key).
    app.state.authenticator = Authenticator(settings)
    for router in ROUTERS:
        app.include_router(router)
    console = create_console(app)
    app.mount(CONSOLE_PREFIX, console)
    if not settings.public_docs:
        app.include_router(docs.router)
    install_error_handlers(app)
    app.add_middleware(BodyLimit, limits=BodyLimits.of(settings))
    app.add_middleware(RequestTelemetry)
    install_openapi(app, PROTO_SCHEMAS)
    return app
