"""The three engines (transcription, similarity, termmatch) as decision calls them over
gRPC, in domain types; a failed call is an EngineError naming the engine."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Sequence
from datetime import datetime
from typing import Protocol, TypeVar

import grpc

from modmesh.contracts.evidence import Word
from modmesh.contracts.similarity.v1 import similarity_pb2, similarity_pb2_grpc
from modmesh.contracts.termmatch.v1 import termmatch_pb2, termmatch_pb2_grpc
from modmesh.contracts.timestamps import to_timestamp
from modmesh.contracts.transcription.v1 import transcription_pb2, transcription_pb2_grpc
from modmesh.decision import convert
from modmesh.decision.domain import SimilarityMatch, TermHit, Transcript
from modmesh.decision.intake.retry import TRANSIENT_CODES
from modmesh.decision.live.moderation import TranscriptUpdate
from modmesh.decision.settings import DecisionSettings
from modmesh.runtime.blobs import Blob
from modmesh.runtime.clients import connect
from modmesh.runtime.errors import NotFound, Relayed

T = TypeVar("T")


class EngineError(Exception):
    """An engine refused or failed a call; the message names the engine and its status.
    `transient` when the engine was down, overloaded or too slow (TRANSIENT_CODES):
    the case is retried later rather than failed."""

    def __init__(self, message: str, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


class Engines(Protocol):
    """The three engines as the pipeline needs them, in domain types."""

    async def transcribe(self, media: Blob) -> Transcript: ...

    async def search(self, media: Blob) -> list[SimilarityMatch]: ...

    async def match(self, words: Sequence[Word], capture_time: datetime) -> list[TermHit]: ...


class GrpcEngines:
    """The engines reached over gRPC at the addresses in the settings."""

    def __init__(self, settings: DecisionSettings) -> None:
        self._timeout = settings.engine_timeout_seconds
        self._channels = {
            name: connect(str(getattr(settings, f"{name}_addr")))
            for name in ("transcription", "termmatch", "similarity")
        }
        self._transcription = transcription_pb2_grpc.TranscriptionServiceStub(
            self._channels["transcription"]
        )
        self._termmatch = termmatch_pb2_grpc.TermMatchServiceStub(self._channels["termmatch"])
        self._similarity = similarity_pb2_grpc.SimilarityServiceStub(self._channels["similarity"])

    async def transcribe(self, media: Blob) -> Transcript:
        reply = await _call(
            "transcription",
            self._transcription.Transcribe(
                transcription_pb2.TranscribeRequest(media=convert.media_ref(media)),
                timeout=self._timeout,
            ),
        )
        return convert.transcript_from_pb(
            reply.text, reply.words, reply.language, reply.language_probability, reply.model
        )

    async def transcribe_stream(
        self, opening: transcription_pb2.StreamOpen, audio: AsyncIterator[bytes]
    ) -> AsyncIterator[TranscriptUpdate]:
        """Transcribes a live stream's chunks as they come. A refusal keeps the
        transcription service's status and message (the format and the chunks are
        checked there), named as its."""

        async def requests() -> AsyncIterator[transcription_pb2.TranscribeStreamRequest]:
            yield transcription_pb2.TranscribeStreamRequest(open=opening)
            async for chunk in audio:
                yield transcription_pb2.TranscribeStreamRequest(audio=chunk)

        call = self._transcription.TranscribeStream(requests())
        try:
            async for reply in call:
                yield TranscriptUpdate(
                    convert.words_from_pb(reply.committed), reply.settled_seconds
                )
        except grpc.aio.AioRpcError as error:
            raise Relayed(error.code().name, f"transcription: {error.details()}") from None
        finally:
            call.cancel()

    async def search(self, media: Blob) -> list[SimilarityMatch]:
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


async def _call(engine: str, call: Awaitable[T]) -> T:
    try:
        return await call
    except grpc.aio.AioRpcError as error:
        raise _engine_error(engine, error) from None


def _engine_error(engine: str, error: grpc.aio.AioRpcError) -> EngineError:
    code = error.code().name
    return EngineError(
        f"{engine} failed: {code}: {error.details()}", transient=code in TRANSIENT_CODES
    )
