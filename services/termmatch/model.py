"""The termmatch domain types, free of protobuf so that the core can be used and tested
on its own; the servicer translates them to and from the wire."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from modmesh.common.evidence import Severity, TimeRange


@dataclass(frozen=True)
class TermDraft:
    """A term as an operator submits it, before validation.

    `severity` stays a plain int because the wire may carry values this build does not
    know; validation names them instead of failing on conversion.
    """

    text: str
    severity: int
    category: str = ""
    #: Empty: the service derives one from the text.
    term_id: str = ""


@dataclass(frozen=True)
class Term:
    term_id: str
    text: str
    severity: Severity
    category: str


@dataclass(frozen=True)
class TermList:
    """One immutable version of a list; every edit makes a new one."""

    list_id: str
    name: str
    description: str
    version: int
    terms: tuple[Term, ...]
    #: When version 1 was created.
    created_at: datetime
    #: When this version was created.
    updated_at: datetime


@dataclass(frozen=True)
class Hit:
    term: Term
    list_id: str
    list_version: int
    #: Span in the matched text, code points, end exclusive.
    start: int
    end: int
    matched_text: str
    #: Set only when words were matched: first and last word covered (inclusive).
    word_start_index: int | None = None
    word_end_index: int | None = None
    time_range: TimeRange | None = None


@dataclass(frozen=True)
class MatchResult:
    #: The text the hit spans index into (for words: the words joined by single spaces).
    text: str
    #: Ordered by position.
    hits: list[Hit]
    #: Every list consulted, at the version used.
    lists: list[TermList]
