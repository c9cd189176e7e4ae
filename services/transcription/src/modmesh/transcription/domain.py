"""Transcription's vocabulary: what a transcript, a live stream's opening and one pass
over a live stream are. Types only; no I/O, no model, no gRPC."""

from __future__ import annotations

from dataclasses import dataclass

from modmesh.contracts.evidence import UntranscribedSpeech, Word


@dataclass(frozen=True)
class ModelInfo:
    name: str
    version: str


@dataclass(frozen=True)
class Transcript:
    words: tuple[Word, ...]
    #: The words joined by single spaces.
    text: str
    #: ISO 639-1 code of the most speech; empty when no speech was heard.
    language: str
    language_probability: float
    duration_seconds: float
    model: ModelInfo
    #: Speech in languages the recogniser does not transcribe (see language.py).
    untranscribed: tuple[UntranscribedSpeech, ...] = ()


@dataclass(frozen=True)
class Window:
    """The part of a media file's audio a call transcribes."""

    #: Seconds into the media.
    start_seconds: float = 0.0
    #: At most this many seconds of audio; 0 for all of it, to the end.
    length_seconds: float = 0.0


@dataclass(frozen=True)
class WindowTranscript:
    """A window's words (their times count from the media's start) and where it ended."""

    transcript: Transcript
    #: Where the window's audio ends in the media: the next window's start.
    end_seconds: float
    #: The media's audio ends within the window.
    complete: bool


@dataclass(frozen=True)
class StreamOpening:
    """A live stream as its client opened it (already checked)."""

    stream_id: str
    #: The stream offset of the first audio sent: 0, or where a resumed stream goes on.
    start_offset_seconds: float
    #: True: the audio is a container (ffmpeg decodes it); False: 16 kHz mono PCM16.
    container: bool


@dataclass(frozen=True)
class StreamUpdate:
    """What one pass learned. Word times are stream offsets."""

    #: Newly stable words, in order; each word of the stream appears here once.
    committed: tuple[Word, ...]
    #: The current guess after the committed words; replaces the previous partial.
    partial: tuple[Word, ...]
    #: Seconds of stream this update reflects.
    heard_seconds: float
    #: Every word spoken before this stream offset is committed: a stream resumed from
    #: here loses no word (words after it may be committed again by the resumed call).
    settled_seconds: float
    #: Speech heard since the last update in a language the recogniser does not
    #: transcribe, in stream time.
    untranscribed: tuple[UntranscribedSpeech, ...] = ()
