"""Transcription's core: one Whisper model per process, the turns every call takes on its
worker, and live streams' passes with their lag limit. No gRPC here: the servicer
(grpc.py) checks requests, calls this, and converts the results.

Inference is CPU-bound and a model is not safe to share between calls, so each model
is loaded on a worker thread of its own and every call to it runs there: calls queue
there, and the event loop stays free for health checks and new requests. There are two:
- the foreground worker takes live passes first, then short files (lanes.py);
- the background worker, with a model of its own, takes the segments of long files
  (files.py), one file's segment after another's, at the lowest CPU priority: a long
  file uses the CPU the foreground leaves idle and never delays a short item or a live
  stream.
A stream asks for its next pass only after its last one: passes go round the streams,
and each pass hears all the audio its stream has when its turn comes, not when it asked.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from modmesh.contracts.evidence import Word
from modmesh.runtime.blobs import Blob, BlobStore
from modmesh.runtime.container import decode_container
from modmesh.runtime.errors import ResourceExhausted, ServiceError, Unavailable
from modmesh.runtime.media import pcm16_floats
from modmesh.runtime.metrics import Gauge
from modmesh.transcription.backlog import Backlog
from modmesh.transcription.domain import (
    ModelInfo,
    StreamOpening,
    StreamUpdate,
    Transcript,
    Window,
    WindowTranscript,
)
from modmesh.transcription.files import transcribe_file
from modmesh.transcription.lanes import Lane, Lanes
from modmesh.transcription.language import Language
from modmesh.transcription.settings import TranscriptionSettings
from modmesh.transcription.streaming import StreamTranscriber, pcm16_samples
from modmesh.transcription.whisper import Whisper

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
#: The background worker's niceness, the lowest priority: on Linux it is per thread and
#: inherited by the threads the thread starts (those of the model loaded on it).
BACKGROUND_NICE = 19


class Transcription:
    """The transcription service's work, in domain types."""

    def __init__(self, settings: TranscriptionSettings) -> None:
        self._settings = settings
        self._blobs = BlobStore.of_mesh(settings)
        self._foreground = _Worker(ThreadPoolExecutor(1, "whisper"), Lanes())
        self._background = _Worker(
            ThreadPoolExecutor(1, "whisper-long", initializer=_lower_priority), Lanes()
        )
        self._queued = 0
        #: The lag of each open stream, by its backlog.
        self._lags: dict[int, float] = {}

    async def load(self) -> None:
        loop = asyncio.get_running_loop()
        await asyncio.gather(
            *(
                loop.run_in_executor(worker.executor, self._load, worker)
                for worker in (self._foreground, self._background)
            )
        )
        self._set_queued(0)  # the autoscaler reads 0, not "unknown", before the first call

    async def close(self) -> None:
        # Segments of long files still queued are dropped (their callers are gone); one
        # in progress finishes first, at the background's priority.
        for worker in (self._foreground, self._background):
            worker.executor.shutdown(wait=True, cancel_futures=True)

    @property
    def model(self) -> ModelInfo:
        return self._loaded().info

    async def transcribe(self, blob: Blob, window: Window) -> WindowTranscript:
        """The words, language and model of the media's audio in the window, segment by
        segment as the worker's turns come; cancelling the caller stops it at the next
        segment."""

        # Refused before any work (hashing, ffprobe, ffmpeg) while the models load: a
        # replica just restarted would otherwise spend on refusals the CPU it loads with.
        for worker in (self._foreground, self._background):
            worker.loaded()

        async def recognise(lane: Lane, audio: np.ndarray) -> Transcript:
            whisper = self._worker_for(lane).loaded()
            return await self._infer(lane, lambda: whisper.transcribe(audio))

        # Resolving hashes the whole file: off the event loop.
        return await transcribe_file(
            await asyncio.to_thread(self._blobs.resolve, blob),
            window,
            max_seconds=self._settings.max_media_seconds,
            recognise=recognise,
            model=self.model,
        )

    async def stream(
        self, opening: StreamOpening, audio: AsyncIterator[bytes]
    ) -> AsyncIterator[StreamUpdate]:
        """One update per pass over a live stream's audio chunks, the last once they end."""
        transcriber = StreamTranscriber(
            self._recognise,
            step_seconds=STEP_SECONDS,
            trim_seconds=TRIM_SECONDS,
            start_seconds=opening.start_offset_seconds,
            has_speech=self._has_speech if self._settings.stream_speech_gate else None,
            identify=self._identify,
            transcribes=self._transcribes,
        )
        backlog = Backlog(limit_seconds=CATCH_UP_SECONDS, step_seconds=STEP_SECONDS)
        reader = asyncio.create_task(_read_audio(opening, audio, backlog))
        try:
            while await backlog.wait_for_pass():
                yield await self._pass(opening.stream_id, transcriber, backlog, transcriber.step)
            yield await self._pass(opening.stream_id, transcriber, backlog, transcriber.finish)
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
        async with self._worker_turn(Lane.LIVE):
            self._check_lag(stream_id, backlog)
            audio = backlog.take()
            transcriber.feed(audio)
            update = await asyncio.get_running_loop().run_in_executor(
                self._foreground.executor, work
            )
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

    async def _infer(self, lane: Lane, work: Callable[[], T]) -> T:
        """Runs `work` on the lane's worker when its turn comes."""
        async with self._worker_turn(lane):
            executor = self._worker_for(lane).executor
            return await asyncio.get_running_loop().run_in_executor(executor, work)

    def _worker_for(self, lane: Lane) -> _Worker:
        return self._background if lane is Lane.LONG else self._foreground

    @asynccontextmanager
    async def _worker_turn(self, lane: Lane) -> AsyncIterator[None]:
        """Holds the inference worker; waiting and holding count in the queue depth."""
        self._set_queued(+1)
        try:
            async with self._worker_for(lane).lanes.turn(lane):
                yield
        finally:
            self._set_queued(-1)

    def _recognise(self, audio: np.ndarray, prompt: str) -> Sequence[Word]:
        return self._loaded().transcribe_live(audio, prompt).words

    def _has_speech(self, audio: np.ndarray) -> bool:
        return self._loaded().has_speech(audio)

    def _identify(self, audio: np.ndarray) -> Language | None:
        return self._loaded().identify(audio)

    def _transcribes(self, language: Language) -> bool:
        return self._loaded().transcribes(language)

    def _set_queued(self, change: int) -> None:
        self._queued += change
        QUEUE_DEPTH.set(self._queued)

    def _load(self, worker: _Worker) -> None:
        # Loaded on the worker's own thread: the model's threads inherit its priority.
        worker.whisper = Whisper.load(self._settings)

    def _loaded(self) -> Whisper:
        return self._foreground.loaded()


@dataclass
class _Worker:
    """One inference thread, the model loaded on it, and the turns taken on it."""

    executor: ThreadPoolExecutor
    lanes: Lanes
    whisper: Whisper | None = None

    def loaded(self) -> Whisper:
        if self.whisper is None:
            # Only a caller that ignores the health check gets here before the load.
            raise Unavailable("the Whisper model is still loading; retry shortly")
        return self.whisper


async def _read_audio(
    opening: StreamOpening, chunks: AsyncIterator[bytes], backlog: Backlog
) -> None:
    """Decodes the stream's chunks into its backlog, as fast as its passes take them."""
    if opening.container:
        decoded = decode_container(chunks, opening.stream_id)
        samples = (pcm16_floats(pcm) async for pcm in decoded)
    else:
        samples = (pcm16_samples(chunk) async for chunk in chunks)
    try:
        async for part in samples:
            await backlog.put(part)
    except ServiceError as error:
        backlog.end(error)
        return
    backlog.end()


def _lower_priority() -> None:
    """Gives the calling thread (and the threads it starts) the lowest CPU priority."""
    os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), BACKGROUND_NICE)
