"""Text normalisation (NFKC + casefold) that remembers where every character came from.

Matching happens on normalised text, but evidence must point into the text the caller
sent: a hit on "free" written in full-width letters must report the full-width span.
NFKC and casefold change lengths ("ﬁ" → "fi", "ß" → "ss") and reorder combining
marks, so the text is normalised one cluster (a base character and its combining
marks) at a time and each normalised character records the cluster it came from.
"""

from __future__ import annotations

import re
import unicodedata
from array import array
from dataclasses import dataclass


def _mark_class() -> str:
    """A regex character class of every combining mark (categories Mn, Mc, Me).

    `re` has no \\p{M}; marks only live in planes 0 and 1 and in the variation
    selectors supplement, so scanning those keeps import cheap.
    """
    code_points = [*range(0x20000), *range(0xE0000, 0xE0200)]
    ranges: list[tuple[int, int]] = []
    for cp in code_points:
        if unicodedata.category(chr(cp)).startswith("M"):
            if ranges and ranges[-1][1] == cp - 1:
                ranges[-1] = (ranges[-1][0], cp)
            else:
                ranges.append((cp, cp))
    return "[" + "".join(f"\\U{a:08x}-\\U{b:08x}" for a, b in ranges) + "]"


_MARK = _mark_class()
# A cluster: any character and the combining marks that follow it.
_CLUSTER = re.compile(f".{_MARK}*", re.DOTALL)
# ASCII is already NFKC and casefolds to lower(); a run's last character stays out
# when a combining mark follows it, because then it is the base of a non-ASCII cluster.
_ASCII_RUN = re.compile(f"[\\x00-\\x7f]+(?!{_MARK})")
# Letters and digits of any script, with the marks that belong to them ("_" is \w but
# not part of a word).
_WORD = re.compile(f"(?:[^\\W_]|{_MARK})+")


@dataclass(frozen=True)
class NormalizedText:
    """`text` is the normalised form of an original text; its character i came from
    original[starts[i]:ends[i]] (code points, end exclusive)."""

    text: str
    starts: array[int]
    ends: array[int]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The original span that normalised text[start:end] (non-empty) came from."""
        return self.starts[start], self.ends[end - 1]


@dataclass(frozen=True)
class Tokens:
    """Word tokens of a normalised text, as parallel sequences (texts can be long)."""

    words: list[str]
    #: Positions in the normalised text, end exclusive.
    starts: list[int]
    ends: list[int]


@dataclass(frozen=True)
class AnalyzedText:
    """A text prepared once per request and shared by every list's matcher."""

    normalized: NormalizedText
    tokens: Tokens

    def original_span(self, first_token: int, last_token: int) -> tuple[int, int]:
        """The original span covering tokens first_token..last_token (inclusive)."""
        return self.normalized.original_span(
            self.tokens.starts[first_token], self.tokens.ends[last_token]
        )


def _normalize_cluster(cluster: str) -> str:
    # NFKC again after casefold: casefolding can leave text that is no longer NFKC.
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", cluster).casefold())


def normalize(original: str) -> NormalizedText:
    pieces: list[str] = []
    starts: array[int] = array("q")
    ends: array[int] = array("q")
    position = 0
    for run in _ASCII_RUN.finditer(original):
        _normalize_clusters(original, position, run.start(), pieces, starts, ends)
        pieces.append(run.group().lower())
        starts.extend(range(run.start(), run.end()))
        ends.extend(range(run.start() + 1, run.end() + 1))
        position = run.end()
    _normalize_clusters(original, position, len(original), pieces, starts, ends)
    return NormalizedText("".join(pieces), starts, ends)


def _normalize_clusters(
    original: str,
    start: int,
    end: int,
    pieces: list[str],
    starts: array[int],
    ends: array[int],
) -> None:
    for cluster in _CLUSTER.finditer(original, start, end):
        normalized = _normalize_cluster(cluster.group())
        pieces.append(normalized)
        starts.extend([cluster.start()] * len(normalized))
        ends.extend([cluster.end()] * len(normalized))


def tokenize(normalized: str) -> Tokens:
    words: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for found in _WORD.finditer(normalized):
        words.append(found.group())
        starts.append(found.start())
        ends.append(found.end())
    return Tokens(words, starts, ends)


def analyze(original: str) -> AnalyzedText:
    normalized = normalize(original)
    return AnalyzedText(normalized, tokenize(normalized.text))


def term_tokens(text: str) -> tuple[str, ...]:
    """The word tokens a term is matched by; empty when the text has no letter or digit."""
    return tuple(tokenize(normalize(text).text).words)
