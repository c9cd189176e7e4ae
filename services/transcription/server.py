"""The gRPC face of transcription: checks the request, runs the engine off the event loop."""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import grpc
import numpy as np

from modmesh.common.evidence import Word
from modmesh.common.v1 import audio_pb2, evidence_pb2
from modmesh.runtime.blobs import Blob, resolve
from modmesh.runtime.errors import InvalidArgument, ServiceError, Unavailable
from modmesh.runtime.media import AUDIO_SAMPLE_RATE
from modmesh.runtime.metrics import Gauge
from modmesh.runtime.server import Service
from modmesh.runtime.settings import Settings
from modmesh.runtime.tracing import annotate
from modmesh.transcription.engine import ModelInfo, Transcript, WhisperEngine
from modmesh.transcription.streaming import StreamTranscriber, StreamUpdate, pcm16_samples
from modmesh.transcription.v1 import transcription_pb2, transcription_pb2_grpc

SERVICE_NAME = transcription_pb2.DESCRIPTOR.services_by_name["TranscriptionService"].full_name
#: What the transcription autoscaler scales on (k8s/base/transcription.yaml).
QUEUE_DEPTH = Gauge(
    "modmesh.transcription.queue.depth",
    "Transcribe calls waiting for or in inference in this process.",
    unit="{call}",
)
T = TypeVar("T")
#: Chunks read ahead of the passes of one stream; past them the client waits.
QUEUED_CHUNKS = 32
#: The most new audio one pass of a stream hears (a live pass hears about one second).
CATCH_UP_SECONDS = 3.0


class TranscriptionServicer(transcription_pb2_grpc.TranscriptionServiceServicer):
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._engine: WhisperEngine | None = None
        # Inference is CPU-bound and the model is not safe to share between calls, so
        # the load and every call run on one worker thread: requests queue there, and
        # the event loop stays free for health checks and new requests.
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="whisper")
        self._queued = 0

    async def load(self) -> None:
        await asyncio.get_running_loop().run_in_executor(self._worker, self._load)
        self._set_queued(0)  # the autoscaler reads 0, not "unknown", before the first call

    async def close(self) -> None:
        self._worker.shutdown(wait=True)

    async def Transcribe(
        self, request: transcription_pb2.TranscribeRequest, context: grpc.aio.ServicerContext
    ) -> transcription_pb2.TranscribeResponse:
        if not request.HasField("media"):
            raise InvalidArgument("media is required", field="media")
        ref = request.media
        annotate(media_sha256=ref.sha256)
        blob = Blob(ref.sha256, ref.uri, ref.size_bytes, ref.mime_type)
        transcript = await self._infer(lambda: self._transcribe(blob))
        annotate(model=f"{transcript.model.name} {transcript.model.version}")
        return _to_response(transcript)

    async def TranscribeStream(
        self,
        requests: AsyncIterator[transcription_pb2.TranscribeStreamRequest],
        context: grpc.aio.ServicerContext,
    ) -> AsyncIterator[transcription_pb2.TranscribeStreamResponse]:
        first = await anext(aiter(requests), None)
        if first is None:
            return
        annotate(stream_id=_opened_stream(first))
        transcriber = StreamTranscriber(
            self._recognise, start_seconds=first.open.start_offset_seconds
        )
        # The reader stops reading when the queue is full, so a client that sends faster
        # than the model hears is held back by gRPC flow control.
        queue: asyncio.Queue[_Received] = asyncio.Queue(maxsize=QUEUED_CHUNKS)
        reader = asyncio.create_task(_read_audio(requests, queue))
        try:
            while True:
                chunk = _audio(await queue.get())
                # A stream that fell behind catches up in bigger passes, not more of them.
                while chunk is not None:
                    transcriber.feed(chunk)
                    if transcriber.unheard_seconds >= CATCH_UP_SECONDS or queue.empty():
                        break
                    chunk = _audio(queue.get_nowait())
                if chunk is None:
                    break
                if transcriber.due:
                    yield self._stream_response(await self._infer(transcriber.step))
            yield self._stream_response(await self._infer(transcriber.finish))
        finally:
            reader.cancel()

    async def _infer(self, work: Callable[[], T]) -> T:
        """Runs `work` on the inference worker, counted in the queue depth."""
        self._set_queued(+1)
        try:
            return await asyncio.get_running_loop().run_in_executor(self._worker, work)
        finally:
            self._set_queued(-1)

    def _recognise(self, audio: np.ndarray, prompt: str) -> Sequence[Word]:
        return self._loaded().transcribe(audio, prompt).words

    def _stream_response(self, update: StreamUpdate) -> transcription_pb2.TranscribeStreamResponse:
        return transcription_pb2.TranscribeStreamResponse(
            committed=[_to_word(word) for word in update.committed],
            partial=[_to_word(word) for word in update.partial],
            heard_seconds=update.heard_seconds,
            model=_to_model(self._loaded().info),
            settled_seconds=update.settled_seconds,
        )

    def _set_queued(self, change: int) -> None:
        self._queued += change
        QUEUE_DEPTH.set(self._queued)

    def _load(self) -> None:
        # Assigned on the worker, so requests queued behind the load find the engine.
        self._engine = WhisperEngine.load(self._settings)

    def _loaded(self) -> WhisperEngine:
        if self._engine is None:
            # Only a caller that ignores the health check gets here before the load.
            raise Unavailable("the Whisper model is still loading; retry shortly")
        return self._engine

    def _transcribe(self, blob: Blob) -> Transcript:
        return self._loaded().transcribe_file(resolve(blob, self._settings.max_media_bytes))


#: What the reader of a stream hands on: samples, the error a chunk caused, or None at
#: the end of the stream.
_Received = np.ndarray | ServiceError | None


async def _read_audio(
    requests: AsyncIterator[transcription_pb2.TranscribeStreamRequest],
    queue: asyncio.Queue[_Received],
) -> None:
    try:
        async for request in requests:
            if request.HasField("open"):
                raise InvalidArgument("the stream is already open; send audio", field="open")
            await queue.put(pcm16_samples(request.audio))
    except ServiceError as error:
        await queue.put(error)
        return
    await queue.put(None)


def _audio(received: _Received) -> np.ndarray | None:
    if isinstance(received, ServiceError):
        raise received
    return received


def _opened_stream(request: transcription_pb2.TranscribeStreamRequest) -> str:
    """Checks the message that opens a stream; returns the stream's id."""
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
    if audio.encoding != audio_pb2.AUDIO_ENCODING_PCM_S16LE:
        raise InvalidArgument(
            "open.format.encoding must be AUDIO_ENCODING_PCM_S16LE", field="open.format.encoding"
        )
    if audio.sample_rate_hz != AUDIO_SAMPLE_RATE:
        raise InvalidArgument(
            f"open.format.sample_rate_hz {audio.sample_rate_hz} is not supported; "
            f"send {AUDIO_SAMPLE_RATE} Hz audio",
            field="open.format.sample_rate_hz",
        )
    if audio.channels != 1:
        raise InvalidArgument(
            f"open.format.channels {audio.channels} is not supported; send mono audio (1)",
            field="open.format.channels",
        )
    return opened.stream_id


def _to_response(transcript: Transcript) -> transcription_pb2.TranscribeResponse:
    return transcription_pb2.TranscribeResponse(
        text=transcript.text,
        words=[_to_word(word) for word in transcript.words],
        language=transcript.language,
        language_probability=transcript.language_probability,
        duration_seconds=transcript.duration_seconds,
        model=_to_model(transcript.model),
    )


def _to_word(word: Word) -> evidence_pb2.Word:
    return evidence_pb2.Word(
        text=word.text,
        start_seconds=word.start_seconds,
        end_seconds=word.end_seconds,
        probability=word.probability,
    )


def _to_model(model: ModelInfo) -> evidence_pb2.ModelInfo:
    return evidence_pb2.ModelInfo(name=model.name, version=model.version)


def build_service(settings: Settings) -> Service:
    servicer = TranscriptionServicer(settings)
    return Service(
        name="transcription",
        grpc_services=[SERVICE_NAME],
        register=lambda server: transcription_pb2_grpc.add_TranscriptionServiceServicer_to_server(
            servicer, server
        ),
        load=servicer.load,
        close=servicer.close,
    )
