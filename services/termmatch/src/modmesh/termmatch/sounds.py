"""Terms that sound like what was heard: a second, weaker kind of evidence.

A recogniser that mishears writes words that sound like the ones said: "where the money"
for "wire the money", "cripto" for "crypto". With the list flag `sounds_like`, each word
of the match view gets a phonetic key (Metaphone, from jellyfish: consonant sounds, most
vowels dropped) and a whole-word term matches a run of as many words whose keys equal
its words' keys, one for one. Such a hit is reported apart (`sounds_like`), with the
words heard and a confidence below any hit on the text: how close the heard words are in
spelling to the term (difflib's ratio of their views), times SOUNDS_LIKE_CONFIDENCE. It
is never found where the text itself matches the term, nor inside an exception.

Only word terms take part (a substring or a pattern has no words to sound), and only
words with a key (Metaphone keys Latin letters; other scripts have none). Short terms
sound like many things ("act now" like "act new"): decision's rules count these hits
only where a rule says so.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

import jellyfish

from modmesh.termmatch.domain import Term, TermKind
from modmesh.termmatch.normalize import Normalized, Normalizer

#: A sound-alike hit's confidence is its spelling similarity times this: always below
#: the 1.0 of a hit on the text.
SOUNDS_LIKE_CONFIDENCE = 0.8
_WORD = re.compile(r"[^ ]+")


#: Words and (heard, spelt) pairs remembered: a text says the same words again and
#: again, and a ratio costs tens of microseconds.
_REMEMBERED = 1 << 16


@lru_cache(maxsize=_REMEMBERED)
def sound(word: str) -> str:
    """A word's phonetic key; empty for a word with no Latin letter."""
    return str(jellyfish.metaphone(word)) if word.isascii() else ""


@lru_cache(maxsize=_REMEMBERED)
def _similarity(heard: str, spelt: str) -> float:
    return SequenceMatcher(None, heard, spelt).ratio()


@dataclass(frozen=True)
class SoundHit:
    term: Term
    #: Span in the view (not the original text), end exclusive.
    start: int
    end: int
    confidence: float


class SoundIndex:
    """One list's word terms by the keys of their words."""

    def __init__(self, terms: Iterable[Term], normalizer: Normalizer) -> None:
        self._terms: dict[tuple[str, ...], list[tuple[Term, str]]] = {}
        for term in terms:
            if term.kind != TermKind.WORD:
                continue
            view = normalizer.key(term.text).strip(" ")
            keys = tuple(sound(word) for word in view.split())
            if keys and all(keys):
                self._terms.setdefault(keys, []).append((term, view))
        self._lengths = sorted({len(keys) for keys in self._terms})
        # A run is looked up only where a term's first word sounds.
        self._first_keys = {keys[0] for keys in self._terms}

    def find(self, view: Normalized) -> list[SoundHit]:
        """Every run of words of the view that sounds like a term."""
        if not self._terms:
            return []
        words = [(match.start(), match.end()) for match in _WORD.finditer(view.text)]
        keys = [sound(view.text[start:end]) for start, end in words]
        found = []
        first_keys, terms = self._first_keys, self._terms
        for length in self._lengths:
            for first in range(len(words) - length + 1):
                if keys[first] not in first_keys:
                    continue
                for term, spelt in terms.get(tuple(keys[first : first + length]), ()):
                    start, end = words[first][0], words[first + length - 1][1]
                    similarity = _similarity(view.text[start:end], spelt)
                    found.append(SoundHit(term, start, end, similarity * SOUNDS_LIKE_CONFIDENCE))
        return found


def without_text_hits(
    found: Sequence[SoundHit], on_text: Iterable[tuple[Term, int, int]]
) -> list[SoundHit]:
    """The sound-alike hits where the text does not match the same term."""
    spans: dict[str, list[tuple[int, int]]] = {}
    for term, start, end in on_text:
        spans.setdefault(term.term_id, []).append((start, end))
    return [
        hit
        for hit in found
        if not any(a < hit.end and hit.start < b for a, b in spans.get(hit.term.term_id, ()))
    ]
