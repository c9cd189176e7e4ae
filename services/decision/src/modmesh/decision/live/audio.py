"""What decision keeps of a live stream's audio for the clips of its flags: the latest
seconds of it as PCM16 (16 kHz mono), whatever the stream's encoding.

A PCM16 stream's chunks are kept as they come. A container stream's bytes are decoded
as they come by an ffmpeg process of the call's own (`modmesh.runtime.container`, as
transcription decodes them), so its offsets are the ones transcription's words have:
the bytes themselves cannot be cut at a stream offset, and transcription sends back
words, not audio.
"""

from __future__ import annotations

import asyncio
import io
import wave
from collections.abc import AsyncIterator
from typing import Protocol

import structlog

from modmesh.runtime.container import decode_container
from modmesh.runtime.errors import InvalidArgument
from modmesh.runtime.media import AUDIO_SAMPLE_RATE

log = structlog.get_logger()

#: Container chunks waiting for the call's decoder; past them the call waits for it.
QUEUED_CHUNKS = 16


class AudioRing:
    """The latest `capacity_seconds` of a stream's audio as PCM16, with the stream offset
    of its first sample: older audio is dropped as new audio comes, so a stream keeps at
    most this much however long it runs."""

    def __init__(self, capacity_seconds: float, start_seconds: float) -> None:
        self._capacity = round(capacity_seconds * AUDIO_SAMPLE_RATE) * 2
        self._pcm = bytearray()
        #: The stream sample the first kept byte belongs to.
        self._first = round(start_seconds * AUDIO_SAMPLE_RATE)

    @property
    def start_seconds(self) -> float:
        return self._first / AUDIO_SAMPLE_RATE

    @property
    def end_seconds(self) -> float:
        return (self._first + len(self._pcm) // 2) / AUDIO_SAMPLE_RATE

    def append(self, pcm: bytes) -> None:
        # A chunk that splits a sample ends the call (transcription refuses it); its odd
        # byte is not kept, so that what the call's clips are cut from stays whole samples.
        self._pcm += pcm[: len(pcm) - len(pcm) % 2]
        excess = len(self._pcm) - self._capacity
        if excess > 0:
            del self._pcm[:excess]
            self._first += excess // 2

    def between(self, start_seconds: float, end_seconds: float) -> tuple[float, bytes]:
        """The audio kept from `start_seconds` to `end_seconds`, as far as it is kept: the
        stream offset it starts at, and its PCM16 (empty when none of it is kept)."""
        last = self._first + len(self._pcm) // 2
        begin = min(max(self._first, round(start_seconds * AUDIO_SAMPLE_RATE)), last)
        end = max(begin, min(last, round(end_seconds * AUDIO_SAMPLE_RATE)))
        kept = self._pcm[(begin - self._first) * 2 : (end - self._first) * 2]
        return begin / AUDIO_SAMPLE_RATE, bytes(kept)


def wav(pcm: bytes) -> bytes:
    """PCM16 (16 kHz mono) as a WAV file."""
    out = io.BytesIO()
    with wave.open(out, "wb") as file:
        file.setnchannels(1)
        file.setsampwidth(2)
        file.setframerate(AUDIO_SAMPLE_RATE)
        file.writeframes(pcm)
    return out.getvalue()


class StreamAudio(Protocol):
    """A call's audio on its way into its ring."""

    async def hear(self, chunk: bytes) -> None: ...

    async def heard(self) -> None:
        """The call's audio is over: returns once all of it is in the ring."""

    async def close(self) -> None:
        """Stops at once (the call ended early); what is in the ring stays."""


def stream_audio(container: bool, ring: AudioRing, stream_id: str) -> StreamAudio:
    """How a call's chunks reach its ring: as they are (PCM16), or decoded (a container)."""
    return DecodedAudio(ring, stream_id) if container else PcmAudio(ring)


class PcmAudio:
    def __init__(self, ring: AudioRing) -> None:
        self._ring = ring

    async def hear(self, chunk: bytes) -> None:
        self._ring.append(chunk)

    async def heard(self) -> None:
        pass

    async def close(self) -> None:
        pass


class DecodedAudio:
    """A container stream's bytes, decoded into the ring by an ffmpeg process as they come."""

    def __init__(self, ring: AudioRing, stream_id: str) -> None:
        self._ring = ring
        self._stream_id = stream_id
        self._chunks: asyncio.Queue[bytes | None] = asyncio.Queue(maxsize=QUEUED_CHUNKS)
        self._decoder = asyncio.create_task(self._decode(), name=f"clip-audio-{stream_id}")

    async def _chunks_in(self) -> AsyncIterator[bytes]:
        while (chunk := await self._chunks.get()) is not None:
            yield chunk

    async def _decode(self) -> None:
        try:
            async for pcm in decode_container(self._chunks_in(), self._stream_id):
                self._ring.append(pcm)
        except InvalidArgument as error:
            # Transcription refuses the same bytes, which ends the call; until then the
            # clips keep the audio decoded before them.
            log.info(
                "stream audio not decoded for clips", stream_id=self._stream_id, error=str(error)
            )
        finally:
            # Nothing reads the queue any more: a chunk waiting for room goes in, and
            # `hear` sees the decoder done from then on.
            while not self._chunks.empty():
                self._chunks.get_nowait()

    async def hear(self, chunk: bytes) -> None:
        if not self._decoder.done():
            await self._chunks.put(chunk)

    async def heard(self) -> None:
        if not self._decoder.done():
            await self._chunks.put(None)
        await self._decoder

    async def close(self) -> None:
        self._decoder.cancel()  # ffmpeg is killed as the decoder stops
        await asyncio.gather(self._decoder, return_exceptions=True)
