"""A live stream sent as the bytes of a media container, decoded by an ffmpeg process of
its own as they arrive, off the event loop: transcription hears the audio, decision keeps
clips of it, and both decode the same bytes to the same samples.

The chunks go to ffmpeg's stdin as they come; 16 kHz mono PCM16 comes back on its
stdout. Neither side blocks the event loop, and each waits for the other: while the
reader does not take the decoded audio, ffmpeg stops reading stdin, the chunks are not
taken, and gRPC flow control holds the client back. ffmpeg is killed when the stream
ends, fails or is cancelled.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from modmesh.runtime.errors import InvalidArgument
from modmesh.runtime.media import AUDIO_SAMPLE_RATE, PCM16_OUTPUT, piped, require_tool

#: Bytes of PCM16 read from ffmpeg at a time: 100 ms of audio.
READ_BYTES = AUDIO_SAMPLE_RATE // 10 * 2
#: ffmpeg looks at this much of a stream before it decodes: the default (5 MB, 5 s)
#: would hold a live stream's first words back for seconds.
PROBE_BYTES = 32_768
PROBE_MICROSECONDS = 500_000


async def decode_container(chunks: AsyncIterator[bytes], stream_id: str) -> AsyncIterator[bytes]:
    """The audio of a stream sent as the bytes of a media container (WebM, Ogg, MP3,
    MPEG-TS...), as 16 kHz mono PCM16 in whole samples, while the bytes arrive. Raises
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
            yield data[:whole]
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
