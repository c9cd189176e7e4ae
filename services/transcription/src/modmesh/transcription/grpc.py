"""The gRPC face of transcription: checks the request, runs the engine off the event loop."""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import TypeVar

import grpc
import numpy as np

from modmesh.contracts.common.v1 import audio_pb2, evidence_pb2
from modmesh.contracts.evidence import Word
from modmesh.contracts.transcription.v1 import transcription_pb2, transcription_pb2_grpc
from modmesh.runtime.blobs import Blob, resolve
from modmesh.runtime.errors import InvalidArgument, ResourceExhausted, ServiceError, Unavailable
from modmesh.runtime.media import AUDIO_SAMPLE_RATE
from modmesh.runtime.metrics import Gauge
from modmesh.runtime.server import Service
from modmesh.runtime.tracing import annotate
from modmesh.transcription.backlog import Backlog
from modmesh.transcription.decoding import decode_container
from modmesh.transcription.settings import TranscriptionSettings
from modmesh.transcription.streaming import (
    StreamTranscriber,
    StreamUpdate,
    checked_chunk,
    pcm16_samples,
)
from modmesh.transcription.whisper import ModelInfo, Transcript, WhisperEngine

SERVICE_NAME = transcription_pb2.DESCRIPTOR.services_by_name["TranscriptionService"].full_name
#: What the transcription autoscaler scales on (k8s/base/transcription.yaml).
QUEUE_DEPTH = Gauge(
    "modmesh.transcription.queue.depth",
    "Transcribe calls waiting for or in inference in this process.",
    unit="{call}",
)
#: The worst lag of the live streams in this process (docs/operations.md).
STREAM_LAG = Gauge(
    "modmesh.stream.lag",
    "How far the live stream furthest behind trails real time, over the streams open "
    "in this process (0 with none).",
    unit="s",
)
T = TypeVar("T")
#: Audio read ahead of the passes of one stream; past it the client waits (gRPC flow
#: control). A pass hears all of it, so it also bounds the new audio of one pass.
CATCH_UP_SECONDS = 3.0
#: New audio that makes a pass of a live stream due: a word is committed once two
#: passes agree on it, so the step sets most of the latency (bench/live).
STEP_SECONDS = 0.5
#: Committed speech kept in a stream's buffer: a pass's cost follows its length, but
#: with less than the phrase before it Whisper mishears the first word of the next
#: ("wire the money" as "why are the money").
TRIM_SECONDS = 10.0
#: When a stream refused for lagging may come back (RetryInfo): long enough for the
#: streams ahead of it to finish or for another replica to start.
RETRY_AFTER_SECONDS = 10.0


class TranscriptionServicer(transcription_pb2_grpc.TranscriptionServiceServicer):
    def __init__(self, settings: TranscriptionSettings) -> None:
        self._settings = settings
        self._engine: WhisperEngine | None = None
        # Inference is CPU-bound and the model is not safe to share between calls, so
        # the load and every call run on one worker thread: requests queue there, and
        # the event loop stays free for health checks and new requests.
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="whisper")
        # Calls take turns on the worker in the order they ask (asyncio.Lock is fair),
        # and a stream asks for its next pass only after its last one: passes go round
        # the streams, and each pass hears all the audio its stream has when its turn
        # comes, not when it asked.
        self._turn = asyncio.Lock()
        self._queued = 0
        #: The lag of each open stream, by call.
        self._lags: dict[int, float] = {}

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
        opened = _opened_stream(first)
        stream_id = opened.stream_id
        annotate(stream_id=stream_id)
        transcriber = StreamTranscriber(
            self._recognise,
            step_seconds=STEP_SECONDS,
            trim_seconds=TRIM_SECONDS,
            start_seconds=opened.start_offset_seconds,
        )
        backlog = Backlog(limit_seconds=CATCH_UP_SECONDS, step_seconds=STEP_SECONDS)
        reader = asyncio.create_task(_read_audio(requests, opened, backlog))
        try:
            while await backlog.wait_for_pass():
                update = await self._pass(stream_id, transcriber, backlog, transcriber.step)
                yield self._stream_response(update)
            update = await self._pass(stream_id, transcriber, backlog, transcriber.finish)
            yield self._stream_response(update)
        finally:
            reader.cancel()
            self._lags.pop(id(backlog), None)
            STREAM_LAG.set(max(self._lags.values(), default=0.0))

    async def _pass(
        self,
        stream_id: str,
        transcriber: StreamTranscriber,
        backlog: Backlog,
        work: Callable[[], StreamUpdate],
    ) -> StreamUpdate:
        """One pass of a stream over all its pending audio, when its turn comes."""
        async with self._worker_turn():
            self._check_lag(stream_id, backlog)
            audio = backlog.take()
            transcriber.feed(audio)
            update = await asyncio.get_running_loop().run_in_executor(self._worker, work)
        backlog.heard(len(audio))
        return update

    def _check_lag(self, stream_id: str, backlog: Backlog) -> None:
        lag = backlog.lag_seconds()
        self._lags[id(backlog)] = lag
        STREAM_LAG.set(max(self._lags.values()))
        limit = self._settings.stream_max_lag_seconds
        if lag > limit:
            raise ResourceExhausted(
                f"stream {stream_id!r} fell {lag:.1f} s behind real time (the limit is "
                f"{limit:g} s): this transcription service has more live audio than it can "
                f"transcribe; resume the stream in {RETRY_AFTER_SECONDS:g} s, here or on "
                "another replica",
                retry_after_seconds=RETRY_AFTER_SECONDS,
            )

    async def _infer(self, work: Callable[[], T]) -> T:
        """Runs `work` on the inference worker when its turn comes."""
        async with self._worker_turn():
            return await asyncio.get_running_loop().run_in_executor(self._worker, work)

    @asynccontextmanager
    async def _worker_turn(self) -> AsyncIterator[None]:
        """Holds the inference worker; waiting and holding count in the queue depth."""
        self._set_queued(+1)
        try:
            async with self._turn:
                yield
        finally:
            self._set_queued(-1)

    def _recognise(self, audio: np.ndarray, prompt: str) -> Sequence[Word]:
        return self._loaded().transcribe_live(audio, prompt).words

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


async def _read_audio(
    requests: AsyncIterator[transcription_pb2.TranscribeStreamRequest],
    opened: transcription_pb2.StreamOpen,
    backlog: Backlog,
) -> None:
    """Decodes the stream's chunks into its backlog, as fast as its passes take them."""
    chunks = _audio_chunks(requests)
    if opened.format.encoding == audio_pb2.AUDIO_ENCODING_CONTAINER:
        samples = decode_container(chunks, opened.stream_id)
    else:
        samples = (pcm16_samples(chunk) async for chunk in chunks)
    try:
        async for part in samples:
            await backlog.put(part)
    except ServiceError as error:
        backlog.end(error)
        return
    backlog.end()


async def _audio_chunks(
    requests: AsyncIterator[transcription_pb2.TranscribeStreamRequest],
) -> AsyncIterator[bytes]:
    async for request in requests:
        if request.HasField("open"):
            raise InvalidArgument("the stream is already open; send audio", field="open")
        yield checked_chunk(request.audio)


def _opened_stream(
    request: transcription_pb2.TranscribeStreamRequest,
) -> transcription_pb2.StreamOpen:
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
        return opened
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
    return opened


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


def build_service(settings: TranscriptionSettings) -> Service:
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
