"""Helpers shared by the transcription tests."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import grpc
import numpy as np
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from modmesh.cli.samples import make_clip
from modmesh.contracts.transcription.v1 import transcription_pb2
from modmesh.runtime.media import AUDIO_SAMPLE_RATE, decode_audio, pcm16_seconds

#: Where Debian's asterisk-core-sounds-* packages put their recorded prompts.
ASTERISK_SOUNDS = Path("/usr/share/asterisk/sounds")
SERVICE = transcription_pb2.DESCRIPTOR.services_by_name["TranscriptionService"].full_name


def spoken(words: Iterable[str]) -> list[str]:
    """Words as compared in tests: lower case, without the punctuation Whisper attaches."""
    return [word.strip(".,!?;:\"'").lower() for word in words]


def index_of_phrase(words: list[str], phrase: list[str]) -> int:
    """Where `phrase` starts in `words`, as consecutive words; fails the test if absent."""
    for start in range(len(words) - len(phrase) + 1):
        if words[start : start + len(phrase)] == phrase:
            return start
    raise AssertionError(f"{' '.join(phrase)!r} not heard in {' '.join(words)!r}")


def assert_still_serving(channel: grpc.Channel) -> None:
    health = health_pb2_grpc.HealthStub(channel)
    reply = health.Check(health_pb2.HealthCheckRequest(service=SERVICE), timeout=5)
    assert reply.status == health_pb2.HealthCheckResponse.SERVING


@dataclass(frozen=True)
class Planted:
    words: list[str]
    #: Where the speech of the phrase begins and ends, as stream offsets.
    start_seconds: float
    end_seconds: float


@dataclass(frozen=True)
class LiveStream:
    samples: np.ndarray
    #: The samples as PCM16, as a client sends them.
    pcm: bytes
    planted: list[Planted]

    @property
    def seconds(self) -> float:
        return pcm16_seconds(len(self.pcm))


def speech_extent(samples: np.ndarray) -> tuple[float, float]:
    """Seconds from the first to the last audible sample of a clip."""
    loud = np.flatnonzero(np.abs(samples) > 0.01)
    return loud[0] / AUDIO_SAMPLE_RATE, (loud[-1] + 1) / AUDIO_SAMPLE_RATE


def make_stream(work: Path, script: Sequence[tuple[float, str, bool]]) -> LiveStream:
    """A stream of espeak-ng speech: `script` holds (seconds of silence before, what is
    said, whether it is a planted phrase whose offsets a test checks)."""
    parts: list[np.ndarray] = []
    planted = []
    position = 0.0
    for index, (silence, text, is_planted) in enumerate(script):
        parts.append(np.zeros(round(silence * AUDIO_SAMPLE_RATE), np.float32))
        position += silence
        if not text:
            continue
        clip = make_clip(
            work / f"{index}.wav", text, lead_silence=0.0, tail_silence=0.0, video=None
        )
        speech = decode_audio(clip)
        if is_planted:
            start, end = speech_extent(speech)
            planted.append(Planted(spoken(text.split()), position + start, position + end))
        parts.append(speech)
        position += len(speech) / AUDIO_SAMPLE_RATE
    samples = np.concatenate(parts)
    pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2").tobytes()
    return LiveStream(samples, pcm, planted)


def recorded_prompt(voice: str, prompt: str) -> Path:
    """A prompt recorded by a person, from Debian's Asterisk sounds: e.g. voice
    "fr_CA_f_June" (asterisk-core-sounds-fr-gsm), prompt "vm-options"."""
    path = ASTERISK_SOUNDS / voice / f"{prompt}.gsm"
    if not path.is_file():
        pytest.fail(f"{path} is missing: `make test-speech` installs Debian's recorded prompts")
    return path
