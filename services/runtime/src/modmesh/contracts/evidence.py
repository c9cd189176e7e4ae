"""The vocabulary of evidence that every service speaks, as plain Python.

Domain cores use these instead of protobuf messages so that they stay free of wire
types; the values mirror modmesh.contracts.common.v1 (Severity value for value).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum


class Severity(IntEnum):
    """How serious a term is, as its list says; ordered so that max() finds the worst."""

    UNSPECIFIED = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4


@dataclass(frozen=True)
class TimeRange:
    """Seconds from the start of the media."""

    start_seconds: float
    end_seconds: float


@dataclass(frozen=True)
class Word:
    """A timed word, e.g. from a transcript; punctuation may stay attached."""

    text: str
    start_seconds: float
    end_seconds: float
    #: Recogniser confidence in [0, 1]; 0 where unknown.
    probability: float = 0.0


@dataclass(frozen=True)
class UntranscribedSpeech:
    """Speech in a language the recogniser does not transcribe: its language (ISO 639-1)
    and where it was heard, no words. For routing to a reviewer who speaks it."""

    language: str
    language_probability: float
    time_range: TimeRange


def speech_seconds(words: Iterable[Word], untranscribed: Iterable[UntranscribedSpeech]) -> float:
    """How long the speech of a transcript lasts: its words, and the speech it did not
    transcribe (which language a transcript of several parts is said to be in)."""
    return sum(w.end_seconds - w.start_seconds for w in words) + sum(
        s.time_range.end_seconds - s.time_range.start_seconds for s in untranscribed
    )
