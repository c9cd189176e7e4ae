"""Live audio that is not clean speech, over real gRPC: whatever comes, the stream ends
as streams end, nothing is invented (no words, no language) where nobody speaks, and
speech that is there is still heard through clipping and a telephone line."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from bench.live.corpus import music, pink_noise
from modmesh.runtime.media import AUDIO_SAMPLE_RATE, decode_audio, require_tool
from tests.transcription.support import make_stream, spoken
from tests.transcription.test_stream import (
    SCRIPT,
    Response,
    Stub,
    chunks,
    committed,
    occurrences,
    opening,
    transcribe_stream,
)

SECONDS = 20.0


def pcm(samples: np.ndarray) -> bytes:
    data: bytes = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2").tobytes()
    return data


def stream(stub: Stub, samples: np.ndarray, name: str) -> list[Response]:
    return transcribe_stream(stub, [opening(name), *chunks(pcm(samples))])


def untranscribed(updates: list[Response]) -> list[str]:
    return [s.language for update in updates for s in update.untranscribed]


NOT_SPEECH: dict[str, Callable[[], np.ndarray]] = {
    "silence": lambda: np.zeros(round(SECONDS * AUDIO_SAMPLE_RATE), np.float32),
    "music": lambda: music(SECONDS, seed=3),
    "noise": lambda: (
        0.05 * pink_noise(round(SECONDS * AUDIO_SAMPLE_RATE), np.random.default_rng(5))
    ),
}


@pytest.mark.parametrize("kind", sorted(NOT_SPEECH))
def test_audio_without_speech_gives_no_words_and_no_language(stub: Stub, kind: str) -> None:
    updates = stream(stub, NOT_SPEECH[kind](), f"no-speech-{kind}")

    assert [w.text for w in committed(updates)] == []
    assert untranscribed(updates) == []
    assert updates[-1].settled_seconds == pytest.approx(SECONDS)


def telephone(samples: np.ndarray, work: Path) -> np.ndarray:
    """The samples through an 8 kHz line and back to 16 kHz, as sox resamples."""
    narrow = work / "narrow.wav"
    subprocess.run(  # noqa: S603 - sox with arguments we build
        [require_tool("sox"), "-t", "raw", "-r", "16000", "-e", "signed", "-b", "16", "-c", "1",
         "-", "-r", "8000", str(narrow)],
        input=pcm(samples), check=True,
    )  # fmt: skip
    return decode_audio(narrow)


@pytest.mark.parametrize("line", ["clipped", "telephone"])
def test_speech_through_clipping_or_a_telephone_line_is_still_heard(
    stub: Stub, tmp_path: Path, line: str
) -> None:
    talk = make_stream(tmp_path, SCRIPT[:3])  # "… claim your free gift card today …"
    samples = talk.samples * 8.0 if line == "clipped" else telephone(talk.samples, tmp_path)

    updates = stream(stub, samples, f"speech-{line}")

    (phrase,) = talk.planted
    assert occurrences(spoken(w.text for w in committed(updates)), phrase.words)
    assert untranscribed(updates) == []
