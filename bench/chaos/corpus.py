"""The media a run submits, made at run time: espeak-ng speech, each short item unique
(its own sha256), some saying terms of the sample list so that rules act; long files
of looped speech; highly compressed long files (silence as FLAC: a few hundred KB per
hour of audio that decodes to hundreds of MB)."""

from __future__ import annotations

import random
import subprocess
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from modmesh.cli.samples import VIDEO_SOURCES, make_clip
from modmesh.runtime.media import AUDIO_SAMPLE_RATE, decode_audio, require_tool

#: (what is said, whether it says a scam term of the sample list: rules then act).
PHRASES = (
    ("Hello everyone, thanks for watching. Today only, claim your free gift card.", True),
    ("The weather today is sunny and warm, perfect for a walk in the park.", False),
    ("Listen to me carefully. Please wire the money to my account tonight.", True),
    ("First, bring a large pot of water to the boil and add some salt.", False),
    ("Join the crypto giveaway now, everyone gets a share.", True),
    ("Thanks for watching, do not forget to subscribe to the channel.", False),
)


@dataclass(frozen=True)
class Item:
    """One upload: a file, what kind of load it is, and its content id."""

    content_id: str
    kind: str
    path: Path
    mime: str
    says_scam: bool


def _pcm16(samples: np.ndarray) -> bytes:
    return bytes((np.clip(samples, -1.0, 1.0) * 32767).astype("<i2").tobytes())


def _write_wav(path: Path, pcm: bytes) -> Path:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(AUDIO_SAMPLE_RATE)
        out.writeframes(pcm)
    return path


def _ffmpeg(*arguments: str) -> None:
    subprocess.run(  # noqa: S603 - ffmpeg with arguments we build
        [require_tool("ffmpeg"), "-nostdin", "-v", "error", "-y", *arguments],
        check=True,
        timeout=600,
    )


def build(
    work: Path, items: int, long_files: int, long_seconds: float, rng: random.Random
) -> list[Item]:
    """`items` short items (every sixth a video clip) with `long_files` long ones and as
    many highly compressed long ones spread among them, in a seeded order."""
    work.mkdir(parents=True, exist_ok=True)
    spoken = [
        decode_audio(make_clip(work / f"phrase-{n}.wav", text, video=None))
        for n, (text, _) in enumerate(PHRASES)
    ]
    videos = [
        make_clip(work / f"video-{name}.mp4", PHRASES[n % len(PHRASES)][0], video=name)
        for n, name in enumerate(VIDEO_SOURCES)
    ]
    made: list[Item] = []
    for n in range(items):
        phrase = n % len(PHRASES)
        says_scam = PHRASES[phrase][1]
        if n % 6 == 5:
            # The same video again under a new content id: a new case, the same media.
            video = n // 6 % len(videos)
            scam = PHRASES[video % len(PHRASES)][1]
            made.append(Item(f"video-{n}", "video", videos[video], "video/mp4", scam))
            continue
        # A few samples of silence more than any other item: its own sha256.
        pcm = _pcm16(spoken[phrase]) + bytes(2 * (n + 1))
        path = _write_wav(work / f"short-{n}.wav", pcm)
        made.append(Item(f"short-{n}", "short", path, "audio/wav", says_scam))
    for n in range(long_files):
        made.append(_long(work, n, long_seconds))
        made.append(_compressed(work, n, long_seconds))
    rng.shuffle(made)
    return made


def _long(work: Path, n: int, seconds: float) -> Item:
    """Speech looped for `seconds`, as AAC: a long upload of ordinary size."""
    path = work / f"long-{n}.m4a"
    _ffmpeg(
        "-stream_loop", "-1", "-i", str(work / f"phrase-{n % len(PHRASES)}.wav"),
        "-t", f"{seconds:g}", "-c:a", "aac", "-b:a", "24k", str(path),
    )  # fmt: skip
    return Item(f"long-{n}", "long", path, "audio/mp4", PHRASES[n % len(PHRASES)][1])


def _compressed(work: Path, n: int, seconds: float) -> Item:
    """`seconds` of silence as FLAC: tiny on the wire, long once decoded."""
    path = work / f"compressed-long-{n}.flac"
    _ffmpeg(
        "-f", "lavfi", "-i", f"anullsrc=r={AUDIO_SAMPLE_RATE}:cl=mono",
        "-t", f"{seconds:g}", "-c:a", "flac", str(path),
    )  # fmt: skip
    return Item(f"compressed-long-{n}", "compressed-long", path, "audio/flac", False)
