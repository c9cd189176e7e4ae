"""The live RPCs: ModerateStream (a live stream's messages in, flags and actions out)
and ListLiveStreams (the live wall)."""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator
from datetime import timedelta

import grpc
import structlog

from modmesh.contracts.common.v1 import audio_pb2
from modmesh.contracts.decision.v1 import decision_pb2
from modmesh.contracts.timestamps import to_datetime
from modmesh.contracts.transcription.v1 import transcription_pb2
from modmesh.decision.convert import live_clip_to_pb
from modmesh.decision.domain import LiveClip, LiveFlag, LiveUntranscribed
from modmesh.decision.intake.engines import EngineError, GrpcEngines
from modmesh.decision.live.clips import ClipKeeper
from modmesh.decision.live.convert import (
    live_action_to_pb,
    live_flag_to_pb,
    live_untranscribed_to_pb,
    wall_to_pb,
)
from modmesh.decision.live.moderation import END, Ack, End, Event, StreamModeration
from modmesh.decision.live.store import LiveStore
from modmesh.decision.live.wall import LiveWallStore
from modmesh.decision.rpc import Rpcs, bounded, require_text
from modmesh.decision.store import utc_now
from modmesh.decision.tenancy import caller_scope
from modmesh.runtime.errors import InvalidArgument, Unavailable
from modmesh.runtime.tracing import annotate

log = structlog.get_logger()

#: How long ended streams stay on the live wall, unless asked otherwise; the longest.
DEFAULT_ENDED_WITHIN_SECONDS = 600
MAX_ENDED_WITHIN_SECONDS = 86_400
#: Streams and flags per answer, unless asked otherwise; the most.
DEFAULT_WALL_STREAMS, MAX_WALL_STREAMS = 100, 500
DEFAULT_WALL_FLAGS, MAX_WALL_FLAGS = 500, 5000


class LiveRpcs(Rpcs):
    _live_store: LiveStore
    _live_wall: LiveWallStore
    _engines: GrpcEngines
    _clip_keeper: ClipKeeper

    async def ListLiveStreams(
        self, request: decision_pb2.ListLiveStreamsRequest, context: grpc.aio.ServicerContext
    ) -> decision_pb2.ListLiveStreamsResponse:
        self._ready()
        if request.after_flag_id < 0:
            raise InvalidArgument(
                "after_flag_id must be 0, or the next_after_flag_id of the last answer",
                field="after_flag_id",
            )
        ended_within = bounded(
            request.ended_within_seconds,
            DEFAULT_ENDED_WITHIN_SECONDS,
            MAX_ENDED_WITHIN_SECONDS,
            "ended_within_seconds",
        )
        wall = await asyncio.to_thread(
            self._live_wall.live_wall,
            request.after_flag_id,
            timedelta(seconds=ended_within),
            bounded(request.limit, DEFAULT_WALL_STREAMS, MAX_WALL_STREAMS, "limit"),
            bounded(request.flag_limit, DEFAULT_WALL_FLAGS, MAX_WALL_FLAGS, "flag_limit"),
            caller_scope(),
        )
        return wall_to_pb(wall)

    async def ModerateStream(
        self,
        requests: AsyncIterator[decision_pb2.ModerateStreamRequest],
        context: grpc.aio.ServicerContext,
    ) -> AsyncIterator[decision_pb2.ModerateStreamResponse]:
        self._ready()
        first = await anext(aiter(requests), None)
        if first is None:
            return
        opening = _live_opening(first)
        annotate(stream_id=opening.stream_id)
        moderation = await StreamModeration.open(
            self._live_store,
            self._engines,
            opening.stream_id,
            opening.account_id,
            to_datetime(opening.start_time, "open.start_time")
            if opening.HasField("start_time")
            else utc_now(),
            opening.resume_from_seconds,
            self._settings.work_lease_seconds,
            caller_scope().tenant,
            clips=self._clip_keeper,
            container=opening.format.encoding == audio_pb2.AUDIO_ENCODING_CONTAINER,
        )
        try:
            async for response in self._moderate(moderation, opening, requests):
                yield response
        finally:
            # Also when the call ends before moderation runs (the client went away).
            await moderation.close()

    async def _moderate(
        self,
        moderation: StreamModeration,
        opening: decision_pb2.LiveStreamOpen,
        requests: AsyncIterator[decision_pb2.ModerateStreamRequest],
    ) -> AsyncIterator[decision_pb2.ModerateStreamResponse]:
        stream = moderation.stream
        annotate(resumed=stream.resumed)
        log.info(
            "stream opened",
            stream_id=stream.stream_id,
            account_id=stream.account_id,
            resumed=stream.resumed,
            resume_from=opening.resume_from_seconds,
        )
        # Transcription checks the format before the stream is said to be open, so that a
        # refusal reaches the caller before it sends any audio.
        transcription = await self._engines.open_transcription(
            transcription_pb2.StreamOpen(
                stream_id=stream.stream_id,
                format=opening.format,
                start_offset_seconds=opening.resume_from_seconds,
            )
        )
        try:
            yield decision_pb2.ModerateStreamResponse(
                opened=decision_pb2.LiveStreamOpened(
                    resumed=stream.resumed,
                    moderated_seconds=stream.moderated_seconds,
                    last_flag_sequence=stream.last_flag_sequence,
                )
            )
            async for event in moderation.run(_live_messages(requests), transcription.updates):
                yield self._live_response(event)
        except EngineError as error:
            # termmatch was down or restarting: what was acked is stored, so the client
            # resumes from its last ack, as after any lost connection.
            raise Unavailable(f"{error}; resume the stream from its last ack") from None
        finally:
            transcription.close()

    def _live_response(self, event: Event) -> decision_pb2.ModerateStreamResponse:
        if isinstance(event, Ack):
            return decision_pb2.ModerateStreamResponse(
                ack=decision_pb2.LiveStreamAck(moderated_seconds=event.moderated_seconds)
            )
        if isinstance(event, LiveFlag):
            return decision_pb2.ModerateStreamResponse(flag=live_flag_to_pb(event))
        if isinstance(event, LiveClip):
            return decision_pb2.ModerateStreamResponse(clip=live_clip_to_pb(event))
        if isinstance(event, LiveUntranscribed):
            return decision_pb2.ModerateStreamResponse(
                untranscribed=live_untranscribed_to_pb(event)
            )
        self._wake_dispatcher()  # the action's delivery goes out at once
        return decision_pb2.ModerateStreamResponse(action=live_action_to_pb(event))


def _live_opening(request: decision_pb2.ModerateStreamRequest) -> decision_pb2.LiveStreamOpen:
    """Checks the message that opens a live stream (transcription checks the format)."""
    if not request.HasField("open"):
        raise InvalidArgument("the first message must open the stream", field="open")
    opening = request.open
    require_text(opening.stream_id, "open.stream_id", "the broadcast's id")
    require_text(opening.account_id, "open.account_id", "the broadcasting account")
    if not 0 <= opening.resume_from_seconds < math.inf:
        raise InvalidArgument(
            "open.resume_from_seconds must be 0, or the last acknowledged offset",
            field="open.resume_from_seconds",
        )
    return opening


async def _live_messages(
    requests: AsyncIterator[decision_pb2.ModerateStreamRequest],
) -> AsyncIterator[bytes | End]:
    """The messages after the opening one, as audio chunks and the end."""
    async for request in requests:
        kind = request.WhichOneof("message")
        if kind == "audio":
            yield request.audio
        elif kind == "end":
            yield END
        else:
            raise InvalidArgument(
                "the stream is already open; send audio, or end it", field=kind or "message"
            )
