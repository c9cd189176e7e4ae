"""Finding a list's terms in an analysed text.

The service only depends on the `Matcher` protocol and a factory, so a more capable
engine (automaton, fuzzy or phonetic matching) can replace `TokenMatcher` without
touching validation, storage or the wire.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from modmesh.termmatch.model import Term
from modmesh.termmatch.normalize import AnalyzedText, term_tokens


@dataclass(frozen=True)
class Occurrence:
    term: Term
    #: Span in the original text, code points, end exclusive.
    start: int
    end: int


class Matcher(Protocol):
    """A compiled, immutable set of terms; safe to share between concurrent requests."""

    def find(self, text: AnalyzedText) -> list[Occurrence]:
        """Every occurrence of every term, overlapping ones included, by position."""
        ...


#: Compiles a list's terms; called again after every edit of the list.
MatcherFactory = Callable[[Sequence[Term]], Matcher]


class TokenMatcher:
    """Whole-word matching on word tokens.

    A term matches where its tokens appear as consecutive tokens of the text. Token
    boundaries give the semantics for free: "gift card" matches "Gift-Card!" (any run
    of non-word characters separates tokens) but not "gift cards" or "giftcard"
    (different tokens). Terms are indexed by their first token, so one pass over the
    text's tokens only compares the terms that can start at each token.
    """

    def __init__(self, terms: Sequence[Term]) -> None:
        self._by_first_token: dict[str, list[tuple[tuple[str, ...], Term]]] = {}
        for term in terms:
            tokens = term_tokens(term.text)
            self._by_first_token.setdefault(tokens[0], []).append((tokens, term))

    def find(self, text: AnalyzedText) -> list[Occurrence]:
        words = text.tokens.words
        found: list[Occurrence] = []
        for index, word in enumerate(words):
            for tokens, term in self._by_first_token.get(word, ()):
                last = index + len(tokens) - 1
                if tuple(words[index : last + 1]) == tokens:
                    start, end = text.original_span(index, last)
                    found.append(Occurrence(term, start, end))
        found.sort(key=lambda o: (o.start, o.end))
        return found
