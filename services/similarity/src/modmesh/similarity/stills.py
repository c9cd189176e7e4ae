"""Stills of a known item's video: small JPEGs of its frames, kept so that a reviewer can
see what a match matched (the bank's hashes cannot be shown, and the media is not kept).

Each still fits in STILL_SIDE x STILL_SIDE pixels (160 x 90 for 16:9 video, about 3 KB),
taken at the hashing rate but at most once a second, and at most MAX_STILLS of them,
spread over a longer item: an item's stills stay within a few megabytes whatever its
length. ffmpeg scales and encodes each frame as it decodes it and hands the JPEGs over one
at a time, so no decoded frame is held here.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from modmesh.runtime.media import piped, require_tool
from modmesh.similarity.domain import Still

#: The box a still fits in, keeping the frame's shape: a thumbnail beside the match.
STILL_SIDE = 160
MAX_STILLS_PER_SECOND = 1.0
#: Ten minutes at one a second; a longer item's stills are spaced further apart.
MAX_STILLS = 600
#: ffmpeg's JPEG quality scale, 2 (best) to 31: at 5 a still keeps faces and captions
#: recognisable at a few kilobytes.
JPEG_QUALITY = 5


def still_rate(fps: float, duration_seconds: float) -> float:
    """Stills a second of an item hashed at `fps`: as often, but at most once a second,
    and no more than MAX_STILLS over its duration (0 when its container does not say:
    then the first MAX_STILLS are kept)."""
    rate = min(fps, MAX_STILLS_PER_SECOND)
    if duration_seconds > 0:
        rate = min(rate, MAX_STILLS / duration_seconds)
    return rate


def sample_stills(path: Path, rate: float) -> Iterator[Still]:
    """The video's stills at `rate` a second from its start, at most MAX_STILLS."""
    process = subprocess.Popen(  # noqa: S603 - ffmpeg with arguments we build
        [
            require_tool("ffmpeg"),
            "-nostdin",
            "-v",
            "error",
            "-i",
            str(path),
            "-an",
            "-vf",
            # The frames hashing samples (modmesh.runtime.media.sample_frames), at this
            # rate, shrunk to fit the box.
            f"fps={rate}:eof_action=pass,scale={STILL_SIDE}:{STILL_SIDE}"
            ":force_original_aspect_ratio=decrease",
            "-c:v",
            "mjpeg",
            "-q:v",
            str(JPEG_QUALITY),
            # Multipart JPEG: each part says its length, so the stream splits without
            # parsing JPEG markers.
            "-f",
            "mpjpeg",
            "-",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    stdout = piped(process.stdout)
    try:
        for index in range(MAX_STILLS):
            jpeg = _next_part(stdout)
            if jpeg is None:
                break
            yield Still(index / rate, jpeg)
    finally:
        stdout.close()
        process.kill()
        process.wait()


def _next_part(stream: IO[bytes]) -> bytes | None:
    """The body of the next part of a multipart stream as ffmpeg writes it (a boundary
    line, headers with its Content-length, a blank line, the body, a line end); None at
    the end."""
    length: int | None = None
    for line in stream:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
        elif not line.strip() and length is not None:
            body = stream.read(length)
            return body if len(body) == length else None
    return None
