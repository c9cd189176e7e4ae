"""The gRPC face of transcription: checks the request, runs the engine off the event loop."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import grpc

from modmesh.common.v1 import evidence_pb2
from modmesh.runtime.blobs import Blob, resolve
from modmesh.runtime.errors import InvalidArgument, Unavailable
from modmesh.runtime.metrics import Gauge
from modmesh.runtime.server import Service
from modmesh.runtime.settings import Settings
from modmesh.runtime.tracing import annotate
from modmesh.transcription.engine import Transcript, WhisperEngine
from modmesh.transcription.v1 import transcription_pb2, transcription_pb2_grpc

SERVICE_NAME = transcription_pb2.DESCRIPTOR.services_by_name["TranscriptionService"].full_name
#: What the transcription autoscaler scales on (k8s/base/transcription.yaml).
QUEUE_DEPTH = Gauge(
    "modmesh.transcription.queue.depth",
    "Transcribe calls waiting for or in inference in this process.",
    unit="{call}",
)


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
        self._set_queued(+1)
        try:
            transcript = await asyncio.get_running_loop().run_in_executor(
                self._worker, self._transcribe, blob
            )
        finally:
            self._set_queued(-1)
        annotate(model=f"{transcript.model.name} {transcript.model.version}")
        return _to_response(transcript)

    def _set_queued(self, change: int) -> None:
        self._queued += change
        QUEUE_DEPTH.set(self._queued)

    def _load(self) -> None:
        # Assigned on the worker, so requests queued behind the load find the engine.
        self._engine = WhisperEngine.load(self._settings)

    def _transcribe(self, blob: Blob) -> Transcript:
        if self._engine is None:
            # Only a caller that ignores the health check gets here before the load.
            raise Unavailable("the Whisper model is still loading; retry shortly")
        return self._engine.transcribe_file(resolve(blob, self._settings.max_media_bytes))


def _to_response(transcript: Transcript) -> transcription_pb2.TranscribeResponse:
    return transcription_pb2.TranscribeResponse(
        text=transcript.text,
        words=[
            evidence_pb2.Word(
                text=word.text,
                start_seconds=word.start_seconds,
                end_seconds=word.end_seconds,
                probability=word.probability,
            )
            for word in transcript.words
        ],
        language=transcript.language,
        language_probability=transcript.language_probability,
        duration_seconds=transcript.duration_seconds,
        model=evidence_pb2.ModelInfo(name=transcript.model.name, version=transcript.model.version),
    )


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
