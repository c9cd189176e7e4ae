"""The REST routes (and the live streams' WebSocket), one module per area; each route
validates its input, calls one service and renders its reply. `ROUTERS` is what the app
mounts, `PROTO_SCHEMAS` what OpenAPI documents."""

from __future__ import annotations

from google.protobuf.descriptor import Descriptor

from . import appeals, audit, browse, cases, health, lists, review, rules, similarity, streams

ROUTERS = [
    cases.router,
    review.router,
    appeals.router,
    rules.router,
    lists.router,
    browse.router,
    similarity.router,
    streams.router,
    audit.router,
    health.router,
]
PROTO_SCHEMAS: list[Descriptor] = [
    *cases.PROTO_SCHEMAS,
    *review.PROTO_SCHEMAS,
    *appeals.PROTO_SCHEMAS,
    *rules.PROTO_SCHEMAS,
    *audit.PROTO_SCHEMAS,
    *lists.PROTO_SCHEMAS,
    *browse.PROTO_SCHEMAS,
    *similarity.PROTO_SCHEMAS,
    *streams.PROTO_SCHEMAS,
]
