"""A live stream's untranscribed speech: what transcription heard in languages it does
not transcribe, kept on the stream as JSON ranges, and what the rules see of it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from modmesh.contracts.evidence import TimeRange, UntranscribedSpeech
from modmesh.decision.domain import TermHit, Transcript
from modmesh.decision.stored import untranscribed_from_json, untranscribed_json

#: Untranscribed speech of one language this close after the last kept range extends it:
#: transcription reports a stream's speech every few seconds (a range each), and an hour
#: of it is one range, not hundreds.
SPEECH_GAP_SECONDS = 15.0


def with_speech(
    kept: Sequence[dict[str, Any]], new: Sequence[UntranscribedSpeech]
) -> list[dict[str, Any]]:
    """The stream's untranscribed speech with `new` added, ranges of one language that
    follow each other joined."""
    merged = [untranscribed_from_json(data) for data in kept]
    for speech in new:
        last = merged[-1] if merged else None
        if (
            last is not None
            and last.language == speech.language
            and speech.time_range.start_seconds - last.time_range.end_seconds <= SPEECH_GAP_SECONDS
        ):
            merged[-1] = UntranscribedSpeech(
                last.language,
                max(last.language_probability, speech.language_probability),
                TimeRange(last.time_range.start_seconds, speech.time_range.end_seconds),
            )
        else:
            merged.append(speech)
    return [untranscribed_json(speech) for speech in merged]


def stream_transcript(
    speech: Sequence[dict[str, Any]], hits: Sequence[TermHit]
) -> Transcript | None:
    """What the rules see of a stream's transcript: its untranscribed speech (its words
    are in the flags). Its language routes the case: the most untranscribed speech's,
    unless hits show speech that was transcribed too."""
    if not speech:
        return None
    heard = [untranscribed_from_json(data) for data in speech]
    seconds: dict[str, float] = {}
    for s in heard:
        length = s.time_range.end_seconds - s.time_range.start_seconds
        seconds[s.language] = seconds.get(s.language, 0.0) + length
    language = max(seconds, key=seconds.__getitem__) if not hits else ""
    probability = max(
        (s.language_probability for s in heard if s.language == language), default=0.0
    )
    return Transcript(
        language=language, language_probability=probability, untranscribed=tuple(heard)
    )
