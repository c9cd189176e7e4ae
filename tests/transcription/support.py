"""Helpers shared by the transcription tests."""

from __future__ import annotations

from collections.abc import Iterable


def spoken(words: Iterable[str]) -> list[str]:
    """Words as compared in tests: lower case, without the punctuation Whisper attaches."""
    return [word.strip(".,!?;:\"'").lower() for word in words]


def index_of_phrase(words: list[str], phrase: list[str]) -> int:
    """Where `phrase` starts in `words`, as consecutive words; fails the test if absent."""
    for start in range(len(words) - len(phrase) + 1):
        if words[start : start + len(phrase)] == phrase:
            return start
    raise AssertionError(f"{' '.join(phrase)!r} not heard in {' '.join(words)!r}")
