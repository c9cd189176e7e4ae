"""The termmatch benchmark's baselines: multi-pattern scanners that report every
whole-word hit of the terms, read with plain mode's separator rules (see Separated).

Each one scans the same separated text and keeps the hits that start and end at word
boundaries, mapped back to the original text: (start, end, term id), as the engine
reports them. `re` reports the longest hit per start (an alternation can do no more).
Separating the text is not timed for them: it is input they are handed, where the
engine's timings include all of its normalisation.
"""

from __future__ import annotations

import re
from typing import Any, Protocol

import ahocorasick
import ahocorasick_rs
import hyperscan
import numpy as np

from modmesh.termmatch.domain import Term
from modmesh.termmatch.normalize import is_unspaced

Hits = set[tuple[int, int, str]]

_UNSPACED = "\u0e00-\u0eff\u3040-\u30ff\u3400-\u9fff"  # the scripts the text uses
_SPACED_WORD = f"[^\\W_{_UNSPACED}]"
# A run of separators, and one between two characters of a script written without spaces.
_SEPARATORS = re.compile(r"[\W_]+")
_UNSPACED_GAP = re.compile(f"(?<=[{_UNSPACED}])[\\W_]+(?=[{_UNSPACED}])")


def separated(text: str) -> str:
    """The text as plain mode reads its separators (see Separated)."""
    return _SEPARATORS.sub(" ", _UNSPACED_GAP.sub("", text))


class Separated:
    """The text as plain mode reads its separators, with a map back to the original.

    The baselines scan this, not the raw text: a phrase matches across any run of
    whitespace or punctuation ("dexda, loka" is the term "dexda loka"), and separators
    between two characters of an unspaced script do not count ("\u4ea5 \u4e40" is
    "\u4ea5\u4e40", as "\u514d \u8d39" is "\u514d\u8d39"). A bare scan of the raw text misses
    those hits; they were the engine's only differences from it (3 of 18,826 hits at 100k
    terms, 7 of 16,320 at 1M, all of the engine's and all right by those rules).
    """

    def __init__(self, text: str) -> None:
        kept = np.ones(len(text), dtype=bool)  # of the original characters
        gaps = {m.start() for m in _UNSPACED_GAP.finditer(text)}

        def one_space(run: re.Match[str]) -> str:
            dropped = run.start() if run.start() in gaps else run.start() + 1
            kept[dropped : run.end()] = False
            return "" if run.start() in gaps else " "

        self.text = _SEPARATORS.sub(one_space, text)
        self.origin = np.flatnonzero(kept)  # original position of each character of .text
        self.utf8 = self.text.encode("utf-8")
        # The code point each UTF-8 byte belongs to (and one past the end), for Hyperscan.
        codes = np.frombuffer(self.text.encode("utf-32-le"), np.uint32)
        widths = 1 + (codes >= 0x80) + (codes >= 0x800) + (codes >= 0x10000)
        self.char_of_byte = np.append(np.repeat(np.arange(len(self.text)), widths), len(self.text))

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span of self.text[start:end] (non-empty, no edge separators)."""
        return int(self.origin[start]), int(self.origin[end - 1]) + 1


def whole_word(text: str, start: int, end: int) -> bool:
    """The engine's word boundary on a text whose phrases use single spaces."""

    def boundary(outside: int, inside: int) -> bool:
        if outside < 0 or outside >= len(text):
            return True
        return (
            not text[outside].isalnum() or is_unspaced(text[outside]) or is_unspaced(text[inside])
        )

    return boundary(start - 1, start) and boundary(end, end - 1)


class Baseline(Protocol):
    name: str

    def hits(self, text: Separated) -> Hits: ...


def _whole_words(found: Any, terms: list[Term], text: Separated) -> Hits:
    """(start, end, term id) of the found (term index, start, end) that are whole words."""
    hits = set()
    for index, start, end in found:
        if whole_word(text.text, start, end):
            hits.add((*text.span(start, end), terms[index].term_id))
    return hits


class PyAhoCorasick:
    name = "pyahocorasick"

    def __init__(self, terms: list[Term]) -> None:
        self.terms = terms
        self.keys = [separated(t.text) for t in terms]
        self.automaton = ahocorasick.Automaton(ahocorasick.STORE_INTS)
        for index, key in enumerate(self.keys):
            self.automaton.add_word(key, index)
        self.automaton.make_automaton()

    def hits(self, text: Separated) -> Hits:
        keys = self.keys
        found = (
            (index, last - len(keys[index]) + 1, last + 1)
            for last, index in self.automaton.iter(text.text)
        )
        return _whole_words(found, self.terms, text)


class AhoCorasickRs:
    name = "ahocorasick_rs"

    def __init__(self, terms: list[Term]) -> None:
        self.terms = terms
        self.keys = [separated(t.text) for t in terms]
        self.automaton = ahocorasick_rs.AhoCorasick(self.keys)  # standard: every hit

    def hits(self, text: Separated) -> Hits:
        found = self.automaton.find_matches_as_indexes(text.text, overlapping=True)
        return _whole_words(found, self.terms, text)


class Hyperscan:
    """Hyperscan's literal compiler over the UTF-8 text, every hit with its start
    (HS_FLAG_SOM_LEFTMOST; only the first hit per term, HS_FLAG_SINGLEMATCH, is faster
    but not the same hits)."""

    name = "hyperscan"

    def __init__(self, terms: list[Term]) -> None:
        self.terms = terms
        self.keys = [separated(t.text) for t in terms]
        self.database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        self.database.compile(
            expressions=[key.encode() for key in self.keys],
            ids=list(range(len(self.keys))),
            elements=len(self.keys),
            flags=hyperscan.HS_FLAG_SOM_LEFTMOST,
            literal=True,
        )

    def hits(self, text: Separated) -> Hits:
        found: list[tuple[int, int, int]] = []

        def on_match(index: int, start: int, end: int, _flags: int, _context: Any) -> None:
            found.append((index, start, end))

        self.database.scan(text.utf8, match_event_handler=on_match)
        char_of = text.char_of_byte
        return _whole_words(
            ((i, int(char_of[s]), int(char_of[e])) for i, s, e in found), self.terms, text
        )


class Re:
    """All terms as one alternation, longest first, with the engine's boundaries: none
    next to a character of an unspaced script, else no word character outside. Reports
    the longest hit per start, with no term id."""

    name = "re"

    def __init__(self, terms: list[Term]) -> None:
        alternation = "|".join(
            re.escape(key)
            for key in sorted({separated(t.text) for t in terms}, key=len, reverse=True)
        )
        start = f"(?:(?=[{_UNSPACED}])|(?<!{_SPACED_WORD}))"
        end = f"(?:(?<=[{_UNSPACED}])|(?!{_SPACED_WORD}))"
        self.pattern = re.compile(f"(?=({start}(?:{alternation}){end}))")

    def hits(self, text: Separated) -> Hits:
        return {(*text.span(m.start(1), m.end(1)), "") for m in self.pattern.finditer(text.text)}


def longest_per_start(hits: Hits) -> Hits:
    longest: dict[int, int] = {}
    for start, end, _ in hits:
        longest[start] = max(end, longest.get(start, 0))
    return {(start, end, "") for start, end in longest.items()}
