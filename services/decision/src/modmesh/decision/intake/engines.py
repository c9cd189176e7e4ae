"""The engines (transcription, similarity, termmatch, scoring) as decision calls them over
gRPC, in domain types; a failed call is an EngineError naming the engine."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, TypeVar

import grpc

from modmesh.contracts.evidence import Word
from modmesh.contracts.scoring.v1 import scoring_pb2, scoring_pb2_grpc
from modmesh.contracts.similarity.v1 import similarity_pb2, similarity_pb2_grpc
from modmesh.contracts.termmatch.v1 import termmatch_pb2, termmatch_pb2_grpc
from modmesh.contracts.timestamps import to_timestamp
from modmesh.contracts.transcription.v1 import transcription_pb2, transcription_pb2_grpc
from modmesh.decision import convert
from modmesh.decision.domain import ModelScore, SimilarityMatch, TermHit, Transcript
from modmesh.decision.intake.retry import TRANSIENT_CODES
from modmesh.decision.live.moderation import TranscriptUpdate
from modmesh.decision.scores import score_from_pb
from modmesh.decision.settings import DecisionSettings
from modmesh.runtime.blobs import Blob
from modmesh.runtime.clients import accepted, connect
from modmesh.runtime.errors import NotFound, Relayed
from modmesh.runtime.identity import Identity

T = TypeVar("T")


class EngineError(Exception):
    """An engine refused or failed a call; the message names the engine and its status.
    `transient` when the engine was down, overloaded or too slow (TRANSIENT_CODES):
    the case is retried later rather than failed. `code`: the gRPC status's name, when
    the engine answered with one."""

    def __init__(self, message: str, transient: bool = False, code: str = "") -> None:
        super().__init__(message)
        self.transient = transient
        self.code = code


@dataclass(frozen=True)
class TranscriptWindow:
    """What transcription heard in one window of a media file's audio (word times count
    from the media's start), and where the next window starts."""

    transcript: Transcript
    start_seconds: float
    end_seconds: float
    #: The media's audio ends within this window: there is no next one.
    complete: bool


class Engines(Protocol):
    """The engines as the pipeline needs them, in domain types."""

    async def transcribe(
        self, media: Blob, start_seconds: float, window_seconds: float
    ) -> TranscriptWindow: ...

    async def search(self, media: Blob) -> list[SimilarityMatch]: ...

    async def match(self, words: Sequence[Word], capture_time: datetime) -> list[TermHit]: ...

    async def score(self, words: Sequence[Word]) -> list[ModelScore]: ...


class GrpcEngines:
    """The engines reached over gRPC at the addresses in the settings."""

    def __init__(self, settings: DecisionSettings) -> None:
        self._timeout = settings.engine_timeout_seconds
        self._wait = settings.engine_wait_seconds
        identity = Identity.load(settings, "decision")
        self._channels = {
            name: connect(str(getattr(settings, f"{name}_addr")), identity)
            for name in ("transcription", "termmatch", "similarity", "scoring")
        }
        self._transcription = transcription_pb2_grpc.TranscriptionServiceStub(
            self._channels["transcription"]
        )
        self._termmatch = termmatch_pb2_grpc.TermMatchServiceStub(self._channels["termmatch"])
        self._similarity = similarity_pb2_grpc.SimilarityServiceStub(self._channels["similarity"])
        self._scoring = scoring_pb2_grpc.ScoringServiceStub(self._channels["scoring"])

    async def _ready(self, engine: str) -> None:
        """Waits for a ready `engine` (wait-for-ready), for at most engine_wait_seconds:
        an engine that stays down makes a transient EngineError, and the case RETRYING,
        instead of a worker held for the call's whole deadline."""
        try:
            await asyncio.wait_for(self._channels[engine].channel_ready(), self._wait)
        except TimeoutError:
            raise EngineError(
                f"{engine} failed: UNAVAILABLE: no ready {engine} after {self._wait:g} s",
                transient=True,
            ) from None

    async def transcribe(
        self, media: Blob, start_seconds: float, window_seconds: float
    ) -> TranscriptWindow:
        """What transcription hears in a window of the media (0 s: to its end)."""
        await self._ready("transcription")
        request = transcription_pb2.TranscribeRequest(
            media=convert.media_ref(media),
            start_seconds=start_seconds,
            window_seconds=window_seconds,
        )
        reply = await _call(
            "transcription", self._transcription.Transcribe(request, timeout=self._timeout)
        )
        transcript = convert.transcript_from_pb(
            reply.text,
            reply.words,
            reply.language,
            reply.language_probability,
            reply.model,
            reply.untranscribed,
        )
        return TranscriptWindow(transcript, start_seconds, reply.end_seconds, reply.complete)

    async def open_transcription(
        self, opening: transcription_pb2.StreamOpen
    ) -> TranscriptionStream:
        """Opens a live stream at transcription, which checks its format; a refusal keeps
        transcription's status and message, named as its."""
        call = self._transcription.TranscribeStream()
        try:
            await call.write(transcription_pb2.TranscribeStreamRequest(open=opening))
            if await accepted(call):
                return TranscriptionStream(call)
            code, details = await call.code(), await call.details()
        except grpc.aio.AioRpcError as error:
            code, details = error.code(), error.details()
        call.cancel()
        raise Relayed(code.name, f"transcription: {details}")

    async def search(self, media: Blob) -> list[SimilarityMatch]:
        await self._ready("similarity")
        reply = await _call(
            "similarity",
            self._similarity.Search(
                similarity_pb2.SearchRequest(media=convert.media_ref(media)),
                timeout=self._timeout,
            ),
        )
        return [convert.similarity_match_from_pb(match) for match in reply.matches]

    async def match(
        self, words: Sequence[Word], capture_time: datetime, list_ids: Sequence[str] = ()
    ) -> list[TermHit]:
        request = termmatch_pb2.MatchRequest(
            words=termmatch_pb2.WordSequence(words=convert.words_to_pb(words)),
            list_ids=list(list_ids),
            capture_time=to_timestamp(capture_time),
        )
        reply = await _call("termmatch", self._termmatch.Match(request, timeout=self._timeout))
        return [convert.term_hit_from_pb(hit) for hit in reply.hits]

    async def score(self, words: Sequence[Word]) -> list[ModelScore]:
        """Scores the words against every example set, one score per category; fails at
        once when scoring is down (the caller goes on without scores)."""
        request = scoring_pb2.ScoreRequest(
            words=scoring_pb2.WordSequence(words=convert.words_to_pb(words))
        )
        # Not waiting for a scoring that is down (the mesh's channels wait by default).
        reply = await _call(
            "scoring", self._scoring.Score(request, timeout=self._timeout, wait_for_ready=False)
        )
        return [score_from_pb(score) for score in reply.scores]

    async def check_list(self, list_id: str) -> None:
        """Raises NotFound when termmatch has no such list, EngineError when it fails."""
        try:
            await self._termmatch.GetList(
                termmatch_pb2.GetListRequest(list_id=list_id), timeout=self._timeout
            )
        except grpc.aio.AioRpcError as error:
            if error.code() == grpc.StatusCode.NOT_FOUND:
                raise NotFound(f"termmatch has no list {list_id!r}", field="list_id") from None
            raise _engine_error("termmatch", error) from None

    async def close(self) -> None:
        for channel in self._channels.values():
            await channel.close()


class TranscriptionStream:
    """A live stream whose opening transcription accepted."""

    def __init__(self, call: grpc.aio.StreamStreamCall) -> None:
        self._call = call

    async def updates(self, audio: AsyncIterator[bytes]) -> AsyncIterator[TranscriptUpdate]:
        """Sends the chunks as they come and yields what transcription hears; a refusal
        keeps transcription's status and message, named as its."""
        sender = asyncio.create_task(self._send(audio), name="send-audio")
        try:
            async for reply in self._call:
                yield TranscriptUpdate(
                    convert.words_from_pb(reply.committed),
                    reply.settled_seconds,
                    convert.untranscribed_from_pb(reply.untranscribed),
                )
            await sender  # a failure to read the chunks is ours to raise
        except grpc.aio.AioRpcError as error:
            raise Relayed(error.code().name, f"transcription: {error.details()}") from None
        finally:
            self.close()
            sender.cancel()
            await asyncio.gather(sender, return_exceptions=True)

    def close(self) -> None:
        """Ends the call if it is still open (nothing once it has ended)."""
        self._call.cancel()

    async def _send(self, audio: AsyncIterator[bytes]) -> None:
        try:
            async for chunk in audio:
                await self._call.write(transcription_pb2.TranscribeStreamRequest(audio=chunk))
            await self._call.done_writing()
        except (grpc.aio.AioRpcError, asyncio.InvalidStateError):
            return  # the call ended under the sender: reading the replies says how


async def _call(engine: str, call: Awaitable[T]) -> T:
    try:
        return await call
    except grpc.aio.AioRpcError as error:
        raise _engine_error(engine, error) from None


def _engine_error(engine: str, error: grpc.aio.AioRpcError) -> EngineError:
    code = error.code().name
    return EngineError(
        f"{engine} failed: {code}: {error.details()}",
        transient=code in TRANSIENT_CODES,
        code=code,
    )
