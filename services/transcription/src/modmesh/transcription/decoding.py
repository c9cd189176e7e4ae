"""Audio decoded by ffmpeg processes of their own, off the event loop: a live stream's
container as it arrives, and a media file block by block.

The chunks go to ffmpeg's stdin as they come; 16 kHz mono PCM16 comes back on its
stdout. Neither side blocks the event loop, and each waits for the other: when the
stream's backlog is full, stdout is not read, ffmpeg stops reading stdin, the chunks
are not taken, and gRPC flow control holds the client back. ffmpeg is killed when the
stream ends, fails or is cancelled.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, AsyncIterator
from pathlib import Path

import numpy as np

from modmesh.runtime.errors import InvalidArgument
from modmesh.runtime.media import (
    AUDIO_SAMPLE_RATE,
    PCM16_OUTPUT,
    pcm16_floats,
    piped,
    require_tool,
    too_long,
)
from modmesh.transcription.domain import Window

#: Bytes of PCM16 read from ffmpeg at a time: 100 ms of audio.
READ_BYTES = AUDIO_SAMPLE_RATE // 10 * 2
#: ffmpeg looks at this much of a stream before it decodes: the default (5 MB, 5 s)
#: would hold a live stream's first words back for seconds.
PROBE_BYTES = 32_768
PROBE_MICROSECONDS = 500_000


async def decode_container(
    chunks: AsyncIterator[bytes], stream_id: str
) -> AsyncIterator[np.ndarray]:
    """The audio of a stream sent as the bytes of a media container (WebM, Ogg, MP3,
    MPEG-TS...), as 16 kHz mono float32 samples, while the bytes arrive. Raises
    InvalidArgument naming the stream and what ffmpeg said when it cannot decode them."""
    # fmt: off
    process = await asyncio.create_subprocess_exec(
        require_tool("ffmpeg"), "-nostdin", "-v", "error",
        "-probesize", str(PROBE_BYTES), "-analyzeduration", str(PROBE_MICROSECONDS),
        "-i", "pipe:0", *PCM16_OUTPUT, "pipe:1",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    # fmt: on
    stdout, stderr = piped(process.stdout), piped(process.stderr)
    writer = asyncio.create_task(_write(chunks, piped(process.stdin)))
    try:
        left = b""
        while data := await stdout.read(READ_BYTES):
            data = left + data
            whole = len(data) - len(data) % 2
            left = data[whole:]
            yield pcm16_floats(data[:whole])
        sent = await writer  # raises what the client's messages were refused for
        said = (await stderr.read()).decode(errors="replace").strip()
        if await process.wait() != 0 and sent:
            reason = said.splitlines()[-1] if said else "no detail"
            raise InvalidArgument(
                f"stream {stream_id!r}: the audio cannot be decoded as a media container "
                f"(ffmpeg: {reason})",
                field="audio",
            )
    finally:
        writer.cancel()
        if process.returncode is None:
            process.kill()
            await process.wait()


async def _write(chunks: AsyncIterator[bytes], stdin: asyncio.StreamWriter) -> int:
    """Feeds the chunks to ffmpeg until they end or ffmpeg stops; returns the bytes sent."""
    sent = 0
    try:
        async for chunk in chunks:
            stdin.write(chunk)
            await stdin.drain()
            sent += len(chunk)
    except (BrokenPipeError, ConnectionResetError):
        # ffmpeg gave up on the bytes; its exit status and message say why.
        return sent
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        stdin.close()
        await stdin.wait_closed()
    return sent


async def decode_file(
    path: Path, block_samples: int, max_seconds: float, window: Window
) -> AsyncGenerator[np.ndarray]:
    """The window of a media file's first audio track as 16 kHz mono float32 samples, in
    blocks of `block_samples` (the last may be shorter), decoded only as fast as they
    are taken: memory holds one block (and the pipe's buffer) whatever the duration.
    ffmpeg is killed when the reader stops (the caller gave up) or the audio runs past
    `max_seconds` from the media's start."""
    # ffmpeg seeks to the window's start (-ss before the input: it jumps, then decodes
    # from there, exact to the sample) and stops after its length (-t after it).
    seek = ["-ss", f"{window.start_seconds:.6f}"] if window.start_seconds else []
    length = ["-t", f"{window.length_seconds:.6f}"] if window.length_seconds else []
    # fmt: off
    process = await asyncio.create_subprocess_exec(
        require_tool("ffmpeg"), "-nostdin", "-v", "error", *seek, "-i", str(path), *length,
        *PCM16_OUTPUT, "pipe:1",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    # fmt: on
    stdout = piped(process.stdout)
    limit = round(max(0.0, max_seconds - window.start_seconds) * AUDIO_SAMPLE_RATE)
    decoded = 0
    try:
        while True:
            try:
                data = await stdout.readexactly(block_samples * 2)
            except asyncio.IncompleteReadError as end:
                data = end.partial[: len(end.partial) - len(end.partial) % 2]
            if not data:
                break
            decoded += len(data) // 2
            if decoded > limit:
                raise too_long(max_seconds, f"decodes to more than {max_seconds:g} s")
            yield pcm16_floats(data)
        if await process.wait() != 0:
            raise InvalidArgument("cannot decode the audio track of the media", field="media")
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
