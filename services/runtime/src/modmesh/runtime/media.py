"""Media decoding with ffmpeg: probing, audio as 16 kHz mono samples, sampled frames.

ffmpeg runs as a subprocess, so any container and codec it reads is accepted, and a
file it cannot read is refused with INVALID_ARGUMENT rather than crashing a service.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TypeVar

import numpy as np

from modmesh.contracts.common.v1 import audio_pb2
from modmesh.runtime.errors import InvalidArgument

AUDIO_SAMPLE_RATE = 16_000
#: What a live client sends: PCM16 at 16 kHz, mono (transcription hears it without
#: decoding), in messages of 100 ms, as a live encoder sends them.
PCM16 = audio_pb2.AudioFormat(
    encoding=audio_pb2.AUDIO_ENCODING_PCM_S16LE, sample_rate_hz=AUDIO_SAMPLE_RATE, channels=1
)
CHUNK_SECONDS = 0.1
CHUNK_BYTES = round(CHUNK_SECONDS * AUDIO_SAMPLE_RATE) * 2
#: ffmpeg's output options for the first audio track as 16 kHz mono PCM16.
PCM16_OUTPUT = ["-vn", "-f", "s16le", "-ac", "1", "-ar", str(AUDIO_SAMPLE_RATE)]
#: ffmpeg renders any text file as "ANSI art" video through these demuxers; a text file
#: is never media we moderate.
TEXT_ART_FORMATS = {"tty", "bin", "xbin", "adf", "idf"}
#: Frames keep their size (PDQ's reference hashes the decoded picture, not a resized
#: one); a side longer than this is shrunk to it so that one frame stays under 48 MiB
#: whatever the media claims. 4096 covers 4K video and most photos unchanged.
MAX_FRAME_SIDE = 4096


@dataclass(frozen=True)
class MediaInfo:
    duration_seconds: float
    has_audio: bool
    has_video: bool
    format_name: str


Pipe = TypeVar("Pipe")


def piped(stream: Pipe | None) -> Pipe:
    """A child process's pipe: typed optional, but always there when asked for with PIPE."""
    if stream is None:
        raise RuntimeError("the child process was started without this pipe")
    return stream


def require_tool(tool: str) -> str:
    found = shutil.which(tool)
    if found is None:
        raise RuntimeError(f"{tool} is not installed; install ffmpeg (apt-get install ffmpeg)")
    return found


def probe(path: Path, max_seconds: float | None = None) -> MediaInfo:
    """Describes a media file; refuses anything without an audio or video stream, and
    media whose container says it plays longer than `max_seconds` (before any decoding:
    a few kilobytes of compressed silence can hold hours)."""
    result = subprocess.run(  # noqa: S603 - ffmpeg/ffprobe with arguments we build
        [
            require_tool("ffprobe"),
            "-v",
            "error",
            "-print_format",
            "json",
            "-show_format",
            "-show_streams",
            str(path),
        ],
        capture_output=True,
        check=False,
    )
    if result.returncode != 0:
        lines = result.stderr.decode(errors="replace").strip().splitlines() or ["no detail"]
        # ffmpeg names the file it read; where a service keeps its blobs is not the
        # caller's business, so only the reason is passed on.
        reason = lines[-1].replace(f"{path}: ", "").replace(str(path), "the file")
        raise InvalidArgument(f"not a media file: ffmpeg cannot read it ({reason})", field="media")
    described = json.loads(result.stdout or b"{}")
    fmt = described.get("format", {})
    if fmt.get("format_name") in TEXT_ART_FORMATS:
        raise InvalidArgument("not a media file: it looks like text", field="media")
    streams = described.get("streams", [])
    kinds = {s.get("codec_type") for s in streams}
    # Still images inside audio files (cover art) are not video.
    has_video = any(
        s.get("codec_type") == "video" and not s.get("disposition", {}).get("attached_pic")
        for s in streams
    )
    if "audio" not in kinds and not has_video:
        raise InvalidArgument("not a media file: it has no audio or video stream", field="media")
    info = MediaInfo(
        duration_seconds=float(fmt.get("duration") or 0.0),
        has_audio="audio" in kinds,
        has_video=has_video,
        format_name=str(fmt.get("format_name", "")),
    )
    if max_seconds is not None and info.duration_seconds > max_seconds:
        raise too_long(max_seconds, f"plays {info.duration_seconds:.0f} s")
    return info


def too_long(max_seconds: float, found: str) -> InvalidArgument:
    """The refusal of media over the duration limit; `found` says what was seen."""
    return InvalidArgument(
        f"media is too long: it {found}, over the limit of {max_seconds:g} s "
        "(MODMESH_MAX_MEDIA_SECONDS)",
        field="media",
    )


def _pcm16_command(path: Path) -> list[str]:
    """ffmpeg writing the first audio track to stdout as 16 kHz mono PCM16."""
    return [require_tool("ffmpeg"), "-nostdin", "-v", "error", "-i", str(path), *PCM16_OUTPUT, "-"]


def pcm16_floats(pcm: bytes) -> np.ndarray:
    """Signed 16-bit little-endian samples as float32 in [-1, 1)."""
    return np.frombuffer(pcm, "<i2").astype(np.float32) / 32768.0


def pcm16_seconds(size: int) -> float:
    """How long `size` bytes of PCM16 (16 kHz mono) play."""
    return size / 2 / AUDIO_SAMPLE_RATE


def chunked(pcm: bytes, size: int = CHUNK_BYTES) -> Iterator[bytes]:
    """PCM16 bytes in messages of `size` bytes (the last may be shorter)."""
    for start in range(0, len(pcm), size):
        yield pcm[start : start + size]


def decode_audio(path: Path) -> np.ndarray:
    """The first audio track as float32 samples in [-1, 1], 16 kHz mono."""
    result = subprocess.run(  # noqa: S603 - ffmpeg/ffprobe with arguments we build
        _pcm16_command(path), capture_output=True, check=False
    )
    if result.returncode != 0:
        raise InvalidArgument("cannot decode the audio track of the media", field="media")
    return pcm16_floats(result.stdout)


def pcm16_chunks(path: Path, chunk_bytes: int) -> Generator[bytes]:
    """The first audio track as 16 kHz mono PCM16, decoded as it is read, in chunks of
    `chunk_bytes` (the last may be shorter); for playing a file as a live stream."""
    with subprocess.Popen(  # noqa: S603 - ffmpeg/ffprobe with arguments we build
        _pcm16_command(path), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    ) as decoder:
        stdout = piped(decoder.stdout)
        try:
            while chunk := stdout.read(chunk_bytes):
                yield chunk
        except BaseException:  # the reader stopped early (GeneratorExit) or failed
            decoder.kill()
            raise
        if decoder.wait() != 0:
            raise InvalidArgument("cannot decode the audio track of the media", field="media")


def pcm16_blocks(
    path: Path, block_samples: int, max_seconds: float | None = None
) -> Iterator[np.ndarray]:
    """The first audio track as float32 16 kHz mono samples in blocks of `block_samples`
    (the last may be shorter), decoded as they are read: memory holds one block whatever
    the duration. Stops with the duration refusal once more than `max_seconds` of audio
    has come out (a container may not say its duration, or say it wrong)."""
    limit = None if max_seconds is None else round(max_seconds * AUDIO_SAMPLE_RATE)
    decoded = 0
    with contextlib.closing(pcm16_chunks(path, block_samples * 2)) as chunks:
        for chunk in chunks:
            block = pcm16_floats(chunk[: len(chunk) - len(chunk) % 2])
            decoded += len(block)
            if limit is not None and decoded > limit:
                raise too_long(max_seconds or 0.0, f"decodes to more than {max_seconds:g} s")
            yield block


def sample_frames(path: Path, fps: float) -> Iterator[tuple[float, np.ndarray]]:
    """Yields (timestamp in seconds, RGB frame) at `fps` frames a second, each frame at its
    decoded size (sides over MAX_FRAME_SIDE shrunk to it)."""
    limit = MAX_FRAME_SIDE
    process = subprocess.Popen(  # noqa: S603 - ffmpeg/ffprobe with arguments we build
        [
            require_tool("ffmpeg"),
            "-nostdin",
            "-v",
            "error",
            "-i",
            str(path),
            "-an",
            "-vf",
            # eof_action=pass: a still image (a one-frame stream) yields its frame
            # instead of nothing. RGB first, so that the size cap (a no-op on most
            # media) does not change how colours are converted.
            f"fps={fps}:eof_action=pass,format=rgb24,"
            f"scale=w='min(iw,{limit})':h='min(ih,{limit})':flags=area",
            # PPM frames say their size, which can change within a stream.
            "-f",
            "image2pipe",
            "-c:v",
            "ppm",
            "-",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    stdout = piped(process.stdout)
    index = 0
    try:
        while (frame := _read_ppm(stdout)) is not None:
            yield index / fps, frame
            index += 1
    finally:
        stdout.close()
        process.kill()
        process.wait()


def _read_ppm(stream: IO[bytes]) -> np.ndarray | None:
    """The next binary PPM image of ffmpeg's stream ("P6\\nW H\\n255\\n" then RGB bytes) as
    [H, W, 3] uint8, or None at the end of the stream."""
    header = [stream.readline(), stream.readline(), stream.readline()]
    if not header[0]:
        return None
    width, height = (int(n) for n in header[1].split())
    size = width * height * 3
    data = stream.read(size)
    if header[0].strip() != b"P6" or header[2].strip() != b"255" or len(data) < size:
        return None  # ffmpeg stopped mid-frame (killed, or the media ended badly)
    return np.frombuffer(data, np.uint8).reshape(height, width, 3)
