"""The bridge between one WebSocket and one decision.ModerateStream call.

The client's first message is a JSON text message that opens the stream
(`LiveStreamOpenIn`), then binary messages carry audio and the text message
`{"end": {}}` ends the broadcast. Each reply of the call goes back as a JSON text message
rendered like the REST routes render protos (`{"opened": ...}`, `{"ack": ...}`,
`{"flag": ...}`, `{"clip": ...}`, `{"untranscribed": ...}`, `{"action": ...}`). A
refusal, by decision or of a malformed message, is sent as the REST error body and the
socket is closed with the code that says what kind of failure it was
(`Refusal.close_code`); a stream that ended closes with 1000.

Audio is read from the socket only as fast as gRPC takes it: each chunk is written to
the call, and the next socket message is read once gRPC's flow control has taken it, so
the bridge holds at most one chunk and a fast client is slowed by TCP. A client that
disconnects cancels the call; the stream stays resumable from its last acknowledgement.
"""

from __future__ import annotations

import asyncio
import enum
from typing import TypeVar

import grpc
import structlog
from fastapi import WebSocket, WebSocketDisconnect
from opentelemetry import trace
from opentelemetry.trace import SpanKind
from pydantic import BaseModel, ValidationError

from modmesh.contracts.decision.v1 import decision_pb2, decision_pb2_grpc
from modmesh.runtime.clients import accepted
from modmesh.runtime.errors import FieldViolation, ServiceError

from .errors import Refusal, current_trace_id, internal_refusal, rpc_refusal
from .routes.common import to_json
from .schemas import LiveStreamEndIn, LiveStreamOpenIn

log = structlog.get_logger()
tracer = trace.get_tracer("modmesh.gateway")

Request = decision_pb2.ModerateStreamRequest
END = Request(end=decision_pb2.LiveStreamEnd())
#: The close code of a stream that ended as it should (RFC 6455 normal closure).
ENDED_CLOSE = 1000


class Gone(enum.Enum):
    """The client disconnected: there is no one left to tell anything."""

    CLIENT = "client disconnected"


#: How a bridge ends: None when the stream ended cleanly.
Outcome = Refusal | Gone | None
M = TypeVar("M", bound=BaseModel)


def describe(outcome: Outcome) -> str:
    if outcome is None:
        return "ended"
    if isinstance(outcome, Gone):
        reason: str = outcome.value
        return reason
    return outcome.code


def invalid(message: str, field: str) -> Refusal:
    return Refusal("INVALID_ARGUMENT", message, [FieldViolation(field, message)])


def parse(model: type[M], text: str, what: str) -> M | Refusal:
    """The text message as `model`, or the refusal naming each wrong field."""
    try:
        return model.model_validate_json(text)
    except ValidationError as error:
        violations = [
            FieldViolation(".".join(str(part) for part in e["loc"]) or "message", e["msg"])
            for e in error.errors(include_url=False)
        ]
        problems = "; ".join(f"{v.field}: {v.description}" for v in violations)
        return Refusal("INVALID_ARGUMENT", f"{what}: {problems}", violations)
    except ServiceError as error:  # a value no protobuf can carry (see UnicodeText)
        return Refusal.of(error)


class LiveBridge:
    def __init__(
        self, websocket: WebSocket, decision: decision_pb2_grpc.DecisionServiceStub
    ) -> None:
        self.websocket = websocket
        self.decision = decision

    async def run(self, stream_id: str) -> None:
        with tracer.start_as_current_span(
            "WEBSOCKET /v1/streams/{stream_id}/live",
            kind=SpanKind.SERVER,
            attributes={"modmesh.stream_id": stream_id},
            record_exception=False,
        ):
            try:
                outcome = await self._bridge(stream_id)
            except Exception as error:
                log.error("live stream failed", stream_id=stream_id, exc_info=error)
                outcome = internal_refusal(current_trace_id())
            log.info("live stream closed", stream_id=stream_id, outcome=describe(outcome))
            await self._finish(outcome)

    async def _bridge(self, stream_id: str) -> Outcome:
        opening = await self._opening(stream_id)
        if not isinstance(opening, decision_pb2.LiveStreamOpen):
            return opening
        call = self.decision.ModerateStream()
        from_client = asyncio.create_task(self._relay_client(call, opening))
        to_client = asyncio.create_task(self._relay_replies(call))
        try:
            done, _ = await asyncio.wait(
                {from_client, to_client}, return_when=asyncio.FIRST_COMPLETED
            )
            outcome = from_client.result() if from_client in done else None
            # The client relay stops without an outcome when the call ended under it:
            # the replies say how.
            return outcome if outcome is not None else await to_client
        finally:
            call.cancel()  # nothing once the call has ended; a client that left cancels it
            relays = {from_client, to_client}
            for task in relays:
                task.cancel()
            # wait, not gather: cancelled while gathering, this task would raise a relay's
            # CancelledError (grpc raises a bare one on a cancelled call) in place of its
            # own, and the server that cancelled it would not recognise it and fail.
            await asyncio.wait(relays)

    async def _opening(self, stream_id: str) -> decision_pb2.LiveStreamOpen | Refusal | Gone:
        message = await self.websocket.receive()
        if message["type"] == "websocket.disconnect":
            return Gone.CLIENT
        text = message.get("text")
        if text is None:
            return invalid(
                "the first message must open the stream: a JSON text message, before any audio",
                "open",
            )
        opening = parse(LiveStreamOpenIn, text, "the opening message is not valid")
        if isinstance(opening, Refusal):
            return opening
        return opening.to_proto(stream_id)

    async def _relay_client(
        self, call: grpc.aio.StreamStreamCall, opening: decision_pb2.LiveStreamOpen
    ) -> Refusal | Gone | None:
        """Socket → call, one message at a time; returns on a disconnect, on a malformed
        message, or with None when the call ended under it."""
        ended = False
        try:
            await call.write(Request(open=opening))
            if not await accepted(call):
                return None  # refused: the replies say why
            while True:
                message = await self.websocket.receive()
                if message["type"] == "websocket.disconnect":
                    return Gone.CLIENT
                if ended:
                    return invalid("nothing may follow the end message", "message")
                audio = message.get("bytes")
                if audio is not None:
                    await call.write(Request(audio=audio))
                    continue
                end = parse(
                    LiveStreamEndIn,
                    message.get("text") or "",
                    'after the opening message, send audio as binary messages or {"end": {}}',
                )
                if isinstance(end, Refusal):
                    return end
                await call.write(END)
                await call.done_writing()
                ended = True
        except (grpc.aio.AioRpcError, asyncio.InvalidStateError):
            return None

    async def _relay_replies(self, call: grpc.aio.StreamStreamCall) -> Outcome:
        """Call → socket; returns when the call ends, or the client is gone."""
        try:
            async for reply in call:
                await self.websocket.send_json(to_json(reply))
        except grpc.aio.AioRpcError as error:
            return rpc_refusal(error)
        except WebSocketDisconnect:
            return Gone.CLIENT
        return None

    async def _finish(self, outcome: Outcome) -> None:
        if isinstance(outcome, Gone):
            return
        try:
            if outcome is None:
                await self.websocket.close(ENDED_CLOSE, "stream ended")
            else:
                await self.websocket.send_json(outcome.body())
                # A close reason holds 123 bytes: the status name; the message went before.
                await self.websocket.close(outcome.close_code(), outcome.code)
        except WebSocketDisconnect:
            pass
