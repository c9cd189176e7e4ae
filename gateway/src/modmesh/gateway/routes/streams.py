"""Live streams: a WebSocket for browsers and other clients that cannot speak gRPC,
bridged to decision.ModerateStream (see modmesh.gateway.live for the protocol)."""

from __future__ import annotations

from fastapi import APIRouter, WebSocket

from modmesh.contracts.decision.v1 import decision_pb2
from modmesh.runtime.roles import Role

from ..auth import roles
from ..live import LiveBridge
from .common import Services

router = APIRouter()
#: Each server message is one of these, rendered as JSON.
PROTO_SCHEMAS = [decision_pb2.ModerateStreamResponse.DESCRIPTOR]
#: The subprotocol naming this message format. A browser that sends its credential as a
#: `bearer.<token>` subprotocol offers this one beside it and gets it back.
SUBPROTOCOL = "modmesh.v1"


@router.websocket("/v1/streams/{stream_id}/live", dependencies=roles(Role.SERVICE))
async def live_stream(websocket: WebSocket, stream_id: str, services: Services) -> None:
    offered = websocket.scope.get("subprotocols", [])
    # Never echo the credential's subprotocol: only the format's, when offered.
    await websocket.accept(subprotocol=SUBPROTOCOL if SUBPROTOCOL in offered else None)
    await LiveBridge(websocket, services.decision).run(stream_id)
