"""Live streams: a WebSocket for browsers and other clients that cannot speak gRPC,
bridged to decision.ModerateStream (see modmesh.gateway.live for the protocol), and the
live wall the reviewers' console polls (decision.ListLiveStreams)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, WebSocket

from modmesh.contracts.decision.v1 import decision_pb2
from modmesh.runtime.roles import Role

from ..auth import roles
from ..live import LiveBridge
from ..openapi import proto_response
from .common import ERRORS, RPC_TIMEOUT_SECONDS, Services, to_json

router = APIRouter()
#: Each WebSocket server message is a ModerateStreamResponse, rendered as JSON.
PROTO_SCHEMAS = [
    decision_pb2.ModerateStreamResponse.DESCRIPTOR,
    decision_pb2.ListLiveStreamsResponse.DESCRIPTOR,
]
#: The subprotocol naming this message format. A browser that sends its credential as a
#: `bearer.<token>` subprotocol offers this one beside it and gets it back.
SUBPROTOCOL = "modmesh.v1"


@router.websocket("/v1/streams/{stream_id}/live", dependencies=roles(Role.SERVICE))
async def live_stream(websocket: WebSocket, stream_id: str, services: Services) -> None:
    offered = websocket.scope.get("subprotocols", [])
    # Never echo the credential's subprotocol: only the format's, when offered.
    await websocket.accept(subprotocol=SUBPROTOCOL if SUBPROTOCOL in offered else None)
    await LiveBridge(websocket, services.decision).run(stream_id)


@router.get(
    "/v1/streams",
    dependencies=roles(Role.MODERATOR, Role.AUDITOR),
    response_model=None,
    tags=["streams"],
    summary="The live wall: streams on air and just ended, with the flags after a cursor",
    response_description="Streams on air first, then those that ended within "
    "ended_within_seconds; the flags raised after after_flag_id across them, oldest "
    "first. Poll again with after_flag_id=next_after_flag_id for only the new flags. A "
    "moderator ends a stream with an end_stream action on its case.",
    responses={200: proto_response(decision_pb2.ListLiveStreamsResponse.DESCRIPTOR), **ERRORS},
)
async def live_streams(
    services: Services,
    after_flag_id: Annotated[
        int,
        Query(ge=0, le=2**63 - 1, description="The last answer's next_after_flag_id; 0: all."),
    ] = 0,
    ended_within_seconds: Annotated[
        int, Query(ge=1, le=86_400, description="How long ended streams stay listed.")
    ] = 600,
    limit: Annotated[int, Query(ge=1, le=500, description="Streams at most.")] = 100,
    flag_limit: Annotated[
        int, Query(ge=1, le=5000, description="Flags at most; the rest come next poll.")
    ] = 500,
) -> dict[str, Any]:
    reply = await services.decision.ListLiveStreams(
        decision_pb2.ListLiveStreamsRequest(
            after_flag_id=after_flag_id,
            ended_within_seconds=ended_within_seconds,
            limit=limit,
            flag_limit=flag_limit,
        ),
        timeout=RPC_TIMEOUT_SECONDS,
    )
    return to_json(reply)
