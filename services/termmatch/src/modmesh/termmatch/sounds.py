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
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache
from typing import TypeVar

import jellyfish

from modmesh.termmatch.domain import Term, TermKind
from modmesh.termmatch.normalize import Normalized, Normalizer

#: A sound-alike hit's confidence is its spelling similarity times this: always below
#: the 1.0 of a hit on the text.
SOUNDS_LIKE_CONFIDENCE = 0.8
_WORD = re.compile(r"[^ ]+")
_K = TypeVar("_K")


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
        self._normalizer = normalizer
        self._terms: dict[tuple[str, ...], list[tuple[Term, str]]] = {}
        # How many keys have each length, and each first word's key (a run is looked up
        # only where a term's first word sounds): counted, so that an edit updates them.
        self._lengths: Counter[int] = Counter()
        self._first_keys: Counter[str] = Counter()
        self._add(terms)

    def edited(self, removed: Iterable[Term], added: Iterable[Term]) -> SoundIndex:
        """A new index with some terms removed (by identity) and others added, keying
        only those: keying every term again took seconds per edit at 100k terms. The
        maps are copied (one C call each) and their lists shared until changed."""
        clone = SoundIndex.__new__(SoundIndex)
        clone._normalizer = self._normalizer
        clone._terms = dict(self._terms)
        clone._lengths = Counter(self._lengths)
        clone._first_keys = Counter(self._first_keys)
        for term in removed:
            entry = clone._entry(term)
            if entry is None or entry[0] not in clone._terms:
                continue
            keys = entry[0]
            kept = [pair for pair in clone._terms[keys] if pair[0] is not term]
            if kept:
                clone._terms[keys] = kept
            else:
                del clone._terms[keys]
                clone._count(keys, -1)
        clone._add(added)
        return clone

    def _entry(self, term: Term) -> tuple[tuple[str, ...], str] | None:
        """A word term's keys and view, if every word of it has a key."""
        if term.kind != TermKind.WORD:
            return None
        view = self._normalizer.key(term.text).strip(" ")
        keys = tuple(sound(word) for word in view.split())
        return (keys, view) if keys and all(keys) else None

    def _add(self, terms: Iterable[Term]) -> None:
        for term in terms:
            entry = self._entry(term)
            if entry is None:
                continue
            keys, view = entry
            known = self._terms.get(keys)
            if known is None:
                self._count(keys, 1)
            self._terms[keys] = [*(known or ()), (term, view)]

    def _count(self, keys: tuple[str, ...], change: int) -> None:
        _change(self._lengths, len(keys), change)
        _change(self._first_keys, keys[0], change)

    def find(self, view: Normalized) -> list[SoundHit]:
        """Every run of words of the view that sounds like a term."""
        if not self._terms:
            return []
        words = [(match.start(), match.end()) for match in _WORD.finditer(view.text)]
        keys = [sound(view.text[start:end]) for start, end in words]
        found = []
        first_keys, terms = self._first_keys, self._terms
        for length in sorted(self._lengths):
            for first in range(len(words) - length + 1):
                if keys[first] not in first_keys:
                    continue
                for term, spelt in terms.get(tuple(keys[first : first + length]), ()):
                    start, end = words[first][0], words[first + length - 1][1]
                    similarity = _similarity(view.text[start:end], spelt)
                    found.append(SoundHit(term, start, end, similarity * SOUNDS_LIKE_CONFIDENCE))
        return found


def _change(counter: Counter[_K], key: _K, change: int) -> None:
    counter[key] += change
    if not counter[key]:
        del counter[key]


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
