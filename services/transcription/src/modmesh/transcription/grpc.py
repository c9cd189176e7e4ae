"""The gRPC face of transcription: checks each request, calls the core (core.py), and
converts what it returns."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator

import grpc

from modmesh.contracts.common.v1 import audio_pb2, evidence_pb2
from modmesh.contracts.evidence import UntranscribedSpeech, Word
from modmesh.contracts.transcription.v1 import transcription_pb2, transcription_pb2_grpc
from modmesh.runtime.blobs import Blob
from modmesh.runtime.errors import InvalidArgument
from modmesh.runtime.media import AUDIO_SAMPLE_RATE
from modmesh.runtime.server import Service
from modmesh.runtime.tracing import annotate
from modmesh.transcription.core import Transcription
from modmesh.transcription.domain import (
    ModelInfo,
    StreamOpening,
    StreamUpdate,
    Transcript,
    Window,
)
from modmesh.transcription.settings import TranscriptionSettings
from modmesh.transcription.streaming import checked_chunk

SERVICE_NAME = transcription_pb2.DESCRIPTOR.services_by_name["TranscriptionService"].full_name


class TranscriptionServicer(transcription_pb2_grpc.TranscriptionServiceServicer):
    def __init__(self, core: Transcription) -> None:
        self._core = core

    async def Transcribe(
        self, request: transcription_pb2.TranscribeRequest, context: grpc.aio.ServicerContext
    ) -> transcription_pb2.TranscribeResponse:
        if not request.HasField("media"):
            raise InvalidArgument("media is required", field="media")
        ref = request.media
        annotate(media_sha256=ref.sha256)
        heard = await self._core.transcribe(
            Blob(ref.sha256, ref.uri, ref.size_bytes, ref.mime_type), _window(request)
        )
        transcript = heard.transcript
        annotate(model=f"{transcript.model.name} {transcript.model.version}")
        response = _to_response(transcript)
        response.end_seconds = heard.end_seconds
        response.complete = heard.complete
        return response

    async def TranscribeStream(
        self,
        requests: AsyncIterator[transcription_pb2.TranscribeStreamRequest],
        context: grpc.aio.ServicerContext,
    ) -> AsyncIterator[transcription_pb2.TranscribeStreamResponse]:
        first = await anext(aiter(requests), None)
        if first is None:
            return
        opening = _opening(first)
        annotate(stream_id=opening.stream_id)
        await context.send_initial_metadata(())  # accepted: the caller may send audio now
        async for update in self._core.stream(opening, _audio_chunks(requests)):
            yield _stream_response(update, self._core.model)


async def _audio_chunks(
    requests: AsyncIterator[transcription_pb2.TranscribeStreamRequest],
) -> AsyncIterator[bytes]:
    async for request in requests:
        if request.HasField("open"):
            raise InvalidArgument("the stream is already open; send audio", field="open")
        yield checked_chunk(request.audio)


def _window(request: transcription_pb2.TranscribeRequest) -> Window:
    for name in ("start_seconds", "window_seconds"):
        if not 0 <= getattr(request, name) < math.inf:
            raise InvalidArgument(f"{name} must be a number of seconds of at least 0", field=name)
    return Window(request.start_seconds, request.window_seconds)


def _opening(request: transcription_pb2.TranscribeStreamRequest) -> StreamOpening:
    """Checks the message that opens a stream."""
    if not request.HasField("open"):
        raise InvalidArgument("the first message must open the stream", field="open")
    opened = request.open
    if not opened.stream_id:
        raise InvalidArgument("open.stream_id is required", field="open.stream_id")
    if not 0 <= opened.start_offset_seconds < math.inf:
        raise InvalidArgument(
            "open.start_offset_seconds must be a stream offset of at least 0",
            field="open.start_offset_seconds",
        )
    audio = opened.format
    if audio.encoding == audio_pb2.AUDIO_ENCODING_CONTAINER:
        if audio.sample_rate_hz or audio.channels:
            raise InvalidArgument(
                "open.format: leave sample_rate_hz and channels 0 with "
                "AUDIO_ENCODING_CONTAINER; the container says them",
                field="open.format",
            )
        return StreamOpening(opened.stream_id, opened.start_offset_seconds, container=True)
    if audio.encoding != audio_pb2.AUDIO_ENCODING_PCM_S16LE:
        raise InvalidArgument(
            "open.format.encoding must be AUDIO_ENCODING_PCM_S16LE or AUDIO_ENCODING_CONTAINER",
            field="open.format.encoding",
        )
    if audio.sample_rate_hz != AUDIO_SAMPLE_RATE:
        raise InvalidArgument(
            f"open.format.sample_rate_hz {audio.sample_rate_hz} is not supported; "
            f"send {AUDIO_SAMPLE_RATE} Hz audio, or AUDIO_ENCODING_CONTAINER",
            field="open.format.sample_rate_hz",
        )
    if audio.channels != 1:
        raise InvalidArgument(
            f"open.format.channels {audio.channels} is not supported; send mono audio (1)",
            field="open.format.channels",
        )
    return StreamOpening(opened.stream_id, opened.start_offset_seconds, container=False)


def _to_response(transcript: Transcript) -> transcription_pb2.TranscribeResponse:
    return transcription_pb2.TranscribeResponse(
        text=transcript.text,
        words=[_to_word(word) for word in transcript.words],
        language=transcript.language,
        language_probability=transcript.language_probability,
        duration_seconds=transcript.duration_seconds,
        model=_to_model(transcript.model),
        untranscribed=[_to_untranscribed(speech) for speech in transcript.untranscribed],
    )


def _stream_response(
    update: StreamUpdate, model: ModelInfo
) -> transcription_pb2.TranscribeStreamResponse:
    return transcription_pb2.TranscribeStreamResponse(
        committed=[_to_word(word) for word in update.committed],
        partial=[_to_word(word) for word in update.partial],
        heard_seconds=update.heard_seconds,
        model=_to_model(model),
        settled_seconds=update.settled_seconds,
        untranscribed=[_to_untranscribed(speech) for speech in update.untranscribed],
    )


def _to_word(word: Word) -> evidence_pb2.Word:
    return evidence_pb2.Word(
        text=word.text,
        start_seconds=word.start_seconds,
        end_seconds=word.end_seconds,
        probability=word.probability,
    )


def _to_untranscribed(speech: UntranscribedSpeech) -> evidence_pb2.UntranscribedSpeech:
    return evidence_pb2.UntranscribedSpeech(
        language=speech.language,
        language_probability=speech.language_probability,
        time_range=evidence_pb2.TimeRange(
            start_seconds=speech.time_range.start_seconds,
            end_seconds=speech.time_range.end_seconds,
        ),
    )


def _to_model(model: ModelInfo) -> evidence_pb2.ModelInfo:
    return evidence_pb2.ModelInfo(name=model.name, version=model.version)


def build_service(settings: TranscriptionSettings) -> Service:
    core = Transcription(settings)
    servicer = TranscriptionServicer(core)
    return Service(
        name="transcription",
        grpc_services=[SERVICE_NAME],
        register=lambda server: transcription_pb2_grpc.add_TranscriptionServiceServicer_to_server(
            servicer, server
        ),
        load=core.load,
        close=core.close,
    )
