"""The windows of words a text is scored over.

A scam pitch is a sentence or two inside minutes of ordinary talk: embedded whole, a
transcript would average it away. So the text is cut into windows of WINDOW_WORDS words
that overlap by half (every sentence of up to half a window lies wholly inside one), each
embedded and scored on its own; a text shorter than a window is one window.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from modmesh.contracts.evidence import Word
from modmesh.scoring.domain import Window

#: Words per window: about two spoken sentences, the length of the examples and more.
WINDOW_WORDS = 16
#: Words from one window's start to the next's.
STRIDE_WORDS = WINDOW_WORDS // 2
_WORD = re.compile(r"\S+")


@dataclass(frozen=True)
class Passage:
    """The scored text, its words' character spans and, for a transcript, their times."""

    text: str
    spans: tuple[tuple[int, int], ...]
    times: tuple[tuple[float, float], ...] = ()


def of_text(text: str) -> Passage:
    """Plain text: its words are its runs of non-space characters (any script)."""
    return Passage(text, tuple(match.span() for match in _WORD.finditer(text)))


def of_words(words: Sequence[Word]) -> Passage:
    """A transcript: its words joined by single spaces, as termmatch joins them (Whisper's
    leading spaces dropped)."""
    texts = [word.text.strip() for word in words]
    spans, position = [], 0
    for text in texts:
        spans.append((position, position + len(text)))
        position += len(text) + 1
    return Passage(
        " ".join(texts),
        tuple(spans),
        tuple((word.start_seconds, word.end_seconds) for word in words),
    )


def windows(passage: Passage) -> list[Window]:
    """The passage's windows, in order; none for a passage without words."""
    count = len(passage.spans)
    if not count:
        return []
    starts = range(0, max(count - WINDOW_WORDS, 0) + 1, STRIDE_WORDS)
    found = [_window(passage, start, min(start + WINDOW_WORDS, count)) for start in starts]
    if found[-1].word_end < count:  # the tail the stride stepped over
        found.append(_window(passage, count - WINDOW_WORDS, count))
    return found


def _window(passage: Passage, start: int, end: int) -> Window:
    first, last = passage.spans[start], passage.spans[end - 1]
    seconds = (passage.times[start][0], passage.times[end - 1][1]) if passage.times else (0, 0)
    return Window(first[0], last[1], start, end, float(seconds[0]), float(seconds[1]))


def window_text(passage: Passage, window: Window) -> str:
    return passage.text[window.char_start : window.char_end]
