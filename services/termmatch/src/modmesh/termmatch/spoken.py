"""English spoken forms: the words said for what a text may write in figures or short.

A recogniser writes what it heard its own way, and a list's author theirs: "24/7" or
"twenty-four seven", "3rd" or "third", "don't" or "do not". With the list flag
`spoken_forms` both sides are read aloud before they are folded (normalize, stage 0):
figures become the English words said for them (num2words) and contractions their long
form, so either spelling matches the other.

Only whole tokens are read: a figure inside a word ("g1ft"), or under leetspeak one
touching a stand-in symbol ("fr€3"), is left to leetspeak, and figures with a leading
zero (codes, phone numbers, "007") or more than twelve digits are left as they are,
because how they are said is anyone's guess. Every character of a reading comes from the
whole token it reads, so a hit covers whole tokens only: "four" alone does not match
"24".
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache

import numpy as np
import numpy.typing as npt
from num2words import num2words

IntArray = npt.NDArray[np.int64]

_MAX_DIGITS = 12
_APOSTROPHE = "['\u2019\u02bc]"
_TOKEN = (
    # Whole tokens only: no word character (or stand-in symbol, {letters}) before or after.
    r"(?<![\w{letters}])(?:"
    r"(?P<grouped>[1-9][0-9]{0,2}(?:,[0-9]{3})+)"  # 1,000,000
    r"|(?P<decimal>(?:0|[1-9][0-9]*)\.[0-9]+)"  # 2.5
    r"|(?P<ordinal>[1-9][0-9]*)(?:st|nd|rd|th)"  # 3rd
    r"|(?P<cardinal>0|[1-9][0-9]*)"  # 24
    rf"|(?P<negated>[a-z]+){_APOSTROPHE}t"  # don't
    rf"|(?P<subject>[a-z]+){_APOSTROPHE}(?P<verb>re|ve|ll|m)"  # you're
    r"|(?P<cannot>cannot)"
    r")(?![\w{letters}])"
)
_VERBS = {"re": "are", "ve": "have", "ll": "will", "m": "am"}
#: Negations whose long form is not the short one less its "n".
_IRREGULAR_NEGATIONS = {"won": "will", "can": "can", "shan": "shall"}


def _number(value: int, to: str = "cardinal") -> str | None:
    if len(str(value)) > _MAX_DIGITS:
        return None
    # "one hundred and twenty-four" is said "one hundred twenty-four" as often.
    return str(num2words(value, lang="en", to=to)).replace(" and ", " ")


def _reading(token: re.Match[str]) -> str | None:
    """The words said for one token, or None to leave it as written."""
    groups = token.groupdict()
    if groups["grouped"]:
        return _number(int(groups["grouped"].replace(",", "")))
    if groups["decimal"]:
        whole, fraction = groups["decimal"].split(".")
        said = _number(int(whole))
        # Each digit after the point is said on its own: "two point zero five".
        return None if said is None else " ".join([said, "point", *map(_digit, fraction)])
    if groups["ordinal"]:
        return _number(int(groups["ordinal"]), to="ordinal")
    if groups["cardinal"]:
        return _number(int(groups["cardinal"]))
    if groups["negated"]:
        stem = groups["negated"].lower()
        if stem in _IRREGULAR_NEGATIONS:
            return f"{_IRREGULAR_NEGATIONS[stem]} not"
        # "ain't" has no one long form.
        return f"{stem[:-1]} not" if stem.endswith("n") and stem != "ain" else None
    if groups["subject"]:
        return f"{groups['subject']} {_VERBS[groups['verb'].lower()]}"
    return "can not"


def _digit(figure: str) -> str:
    return str(num2words(int(figure), lang="en"))


@cache
def _tokens(letters: str) -> re.Pattern[str]:
    return re.compile(_TOKEN.replace("{letters}", re.escape(letters)), re.IGNORECASE)


#: What every token has: a figure, an apostrophe, or the word "cannot" (see _TOKEN).
_CLUES = np.zeros(0x110000, dtype=bool)
_CLUES[[ord(c) for c in "0123456789'\u2019\u02bc"]] = True
_CANNOT = np.frombuffer(b"cannot", np.uint8)
_WHITESPACE = np.zeros(0x110000, dtype=bool)
_WHITESPACE[[c for c in range(0x3001) if chr(c).isspace()]] = True  # U+3000 is the last


def token_matches(text: str, letters: str = "") -> Iterator[re.Match[str]]:
    """The tokens `_tokens(letters).finditer(text)` finds, searched only in the runs of
    non-whitespace that hold a clue (_CLUES). Trying the pattern at every position of a
    long text was most of the match view's time; a token never spans whitespace, and at
    a run's ends the pattern's lookarounds see whitespace (neither a word character nor
    a stand-in symbol), so it finds the same tokens there."""
    codes = np.frombuffer(text.encode("utf-32-le"), np.uint32)
    clue = _CLUES[codes]
    # "cannot" in any case: ASCII letters lowered by their 0x20 bit (IGNORECASE folds no
    # other character to one of these letters).
    lowered = codes | 0x20
    starts = len(codes) - len(_CANNOT) + 1
    if starts > 0:
        cannot = np.ones(starts, dtype=bool)
        for offset, letter in enumerate(_CANNOT):
            cannot &= lowered[offset : offset + starts] == letter
        clue[:starts] |= cannot
    at = np.flatnonzero(clue)
    if not len(at):
        return
    bounds = np.concatenate(([-1], np.flatnonzero(_WHITESPACE[codes]), [len(codes)]))
    pattern = _tokens(letters)
    for run in np.unique(np.searchsorted(bounds, at)).tolist():
        yield from pattern.finditer(text, int(bounds[run - 1]) + 1, int(bounds[run]))


def read_aloud_text(text: str, letters: str = "") -> str:
    """`text` with every token it can read replaced by its reading (terms' fast path);
    `letters`: symbols that stand for letters, so a figure touching one is not a token."""
    return _tokens(letters).sub(lambda token: _reading(token) or token.group(), text)


def read_aloud(text: str, letters: str = "") -> tuple[str, IntArray, IntArray] | None:
    """`text` read aloud, with where each character came from: character i of the
    reading came from text[starts[i]:ends[i]]. None when nothing was read."""
    pieces: list[str] = []
    starts: list[IntArray] = []
    ends: list[IntArray] = []
    done = 0
    for token in token_matches(text, letters):
        said = _reading(token)
        if said is None:
            continue
        first, last = token.span()
        pieces += [text[done:first], said]
        kept = np.arange(done, first, dtype=np.int64)
        starts += [kept, np.full(len(said), first, dtype=np.int64)]
        ends += [kept + 1, np.full(len(said), last, dtype=np.int64)]
        done = last
    if not pieces:
        return None
    rest = np.arange(done, len(text), dtype=np.int64)
    pieces.append(text[done:])
    starts.append(rest)
    ends.append(rest + 1)
    return "".join(pieces), np.concatenate(starts), np.concatenate(ends)
