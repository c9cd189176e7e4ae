"""A media file's audio decoded by an ffmpeg process of its own, block by block, off the
event loop (a live stream's container is decoded by `modmesh.runtime.container`)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
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
