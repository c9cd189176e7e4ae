"""The termmatch domain types, free of protobuf so that the core can be used and tested
on its own; the servicer translates them to and from the wire."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum

from modmesh.contracts.evidence import Severity, TimeRange


@dataclass(frozen=True)
class Flags:
    """How a list's terms and the texts matched against it are normalised."""

    #: Compatibility forms fold together: full-width "\uff26" is "F", "\ufb01" is "fi".
    #: Characters that show nothing (zero-width space and joiners, soft hyphen, bidi
    #: controls, variation selectors...) fold to nothing: "s\u200bcam" is "scam".
    nfkc: bool = True
    casefold: bool = True
    #: Combining marks are dropped: "café" is "cafe".
    strip_accents: bool = False
    #: Unicode TR39 confusables fold to their prototype: Cyrillic "\u0430" is Latin "a".
    confusables: bool = False
    #: Digits and symbols that stand in for letters: "g1ft" is "gift", "fr€e" is "free".
    leetspeak: bool = False
    #: Single letters separated by whitespace or punctuation join: "f.r.e.e" is "free".
    #: A run spelt with spaces joins whole: "f r e e g i f t" is "freegift", "a f r e e"
    #: "afree"; where punctuation spells it, its whitespace separates words: "a s.c.a.m"
    #: is "a scam", "f.r.e.e g.i.f.t" "free gift".
    ignore_separators: bool = False
    #: Repeated characters count once: "freeee" is "free".
    collapse_repeats: bool = False
    #: Words match split or joined, as a recogniser spells them: "give away" is
    #: "giveaway", "act, now" is "actnow". A whole-word term still starts and ends where
    #: words of the text do (see matcher).
    join_words: bool = False
    #: Figures and contractions match the English words said for them: "24/7" is
    #: "twenty-four seven", "3rd" is "third", "don't" is "do not" (see spoken).
    spoken_forms: bool = False
    #: Word terms are also found where the words heard only sound like them ("where the
    #: money" for "wire the money"): weaker hits, marked, with a confidence (see sounds).
    sounds_like: bool = False

    @classmethod
    def all(cls) -> Flags:
        return cls(*[True] * len(dataclasses.fields(cls)))

    @classmethod
    def none(cls) -> Flags:
        return cls(*[False] * len(dataclasses.fields(cls)))


class TermKind(IntEnum):
    """How a term is found; values mirror the wire enum."""

    UNSPECIFIED = 0
    #: Whole words; a phrase matches across any run of whitespace or punctuation.
    WORD = 1
    #: Anywhere, also inside longer words.
    SUBSTRING = 2
    #: An RE2 pattern over the normalised text.
    REGEX = 3


@dataclass(frozen=True, slots=True)
class Window:
    """When something applies: from `active_from` (inclusive) until `active_until`
    (exclusive); an open end is unbounded."""

    active_from: datetime | None = None
    active_until: datetime | None = None

    def contains(self, moment: datetime) -> bool:
        return (self.active_from is None or self.active_from <= moment) and (
            self.active_until is None or moment < self.active_until
        )


ALWAYS = Window()


@dataclass(frozen=True)
class TermDraft:
    """A term as an operator submits it, before validation.

    `severity` and `kind` stay plain ints because the wire may carry values this build
    does not know; validation names them instead of failing on conversion.
    """

    text: str
    severity: int
    category: str = ""
    #: Empty: the service derives one from the text.
    term_id: str = ""
    #: 0 (unspecified) means a whole-word term.
    kind: int = 0
    locale: str = ""
    note: str = ""
    window: Window = ALWAYS


@dataclass(frozen=True, slots=True)
class Term:
    term_id: str
    text: str
    severity: Severity
    category: str
    kind: TermKind = TermKind.WORD
    #: BCP 47 tag of the language the term is written in, for the operator's records.
    locale: str = ""
    note: str = ""
    window: Window = ALWAYS


@dataclass(frozen=True)
class ListSettings:
    """What applies to a whole list, besides its terms; editing any of it is a new version."""

    name: str = ""
    description: str = ""
    flags: Flags = field(default_factory=Flags)
    #: Allowlisted phrases: a hit of this list inside one of them is no hit.
    exceptions: tuple[str, ...] = ()
    window: Window = ALWAYS


@dataclass(frozen=True)
class TermList:
    """One immutable version of a list; every edit makes a new one."""

    list_id: str
    version: int
    settings: ListSettings
    terms: tuple[Term, ...]
    #: When version 1 was created.
    created_at: datetime
    #: When this version was created.
    updated_at: datetime

    @property
    def name(self) -> str:
        return self.settings.name


class ListEdit(IntEnum):
    """What kind of edit made a version; values mirror the wire enum."""

    #: Not recorded: a version stored before versions kept their edit, with no audit entry.
    UNSPECIFIED = 0
    CREATED = 1
    #: Name, description, flags, exceptions or window.
    SETTINGS_UPDATED = 2
    TERMS_ADDED = 3
    TERMS_UPDATED = 4
    TERMS_REMOVED = 5
    #: A bulk import whose rows were added or replaced terms by id.
    TERMS_IMPORTED = 6
    #: A bulk import whose rows became the whole list.
    TERMS_REPLACED = 7


@dataclass(frozen=True)
class ListVersion:
    """One version of a list as its history shows it, without its terms."""

    version: int
    #: When the edit was stored.
    created_at: datetime
    #: Who made it, as the audit log names them ("" when never recorded).
    actor: str
    edit: ListEdit
    #: Against the version before: terms new to the list, gone from it, and whose fields
    #: changed (a term written again with the same fields is none of these).
    terms_added: int
    terms_removed: int
    terms_changed: int
    #: Terms at this version.
    term_count: int


@dataclass(frozen=True)
class TermChange:
    """How one term differs between two versions: added (no `before`), removed (no
    `after`), or changed (both, with different fields)."""

    term_id: str
    before: Term | None
    after: Term | None


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
    #: None for a hit on the text; a hit by sound's confidence (see sounds).
    sound_confidence: float | None = None


@dataclass(frozen=True)
class MatchResult:
    #: The text the hit spans index into (for words: the words joined by single spaces).
    text: str
    #: Ordered by position.
    hits: list[Hit]
    #: Every list consulted, at the version used.
    lists: list[TermList]
