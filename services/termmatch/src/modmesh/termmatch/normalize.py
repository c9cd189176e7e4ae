"""Text normalisation that remembers where every character came from.

Matching runs on a normalised "match view" of the text, yet evidence must point into the
text as the caller sent it: a hit on "free" written "F.R.€.E" in full-width letters must
report those seven characters. The view is built in stages, each vectorised (str.translate
and numpy) so that a 10 MB text costs a few passes in C, and each stage carries two
arrays along: view character i came from original[starts[i]:ends[i]] (code points, end exclusive).

1. Fold each code point on its own through the list's flags (see `fold`). Folding per code
   point is what makes str.translate possible; decomposing (NFKD) instead of composing
   (NFKC) keeps that exact: "é" and "e" + U+0301 both fold to "e" + U+0301. Every run
   of characters that are neither letters, digits nor marks becomes one space, and each
   character of a script written without spaces (Han, kana, Thai...) stands alone
   between spaces, so such scripts match as substrings while other scripts match
   whole words.
   Under `nfkc`, characters that show nothing (zero-width space and joiners, soft
   hyphen, word joiner, bidi controls, variation selectors...) fold to nothing, so that
   one inside a word ("sc\u200bam") neither splits it nor stays in it.
2. Join runs of single letters ("f r e e", "f.r.e.e" -> "free"), if asked. Where a run
   is spelt with punctuation ("s.c.a.m", "s-c-a-m"), whitespace in it is a word break,
   so a one-letter word beside it stays a word: "a s.c.a.m" is "a scam".
3. Collapse repeated characters ("freeee" -> "fre", and "free" too), if asked.

The view starts and ends with a space, so whole-word keys are " term words " and a
multi-pattern automaton finds exactly the whole-word hits, with no boundary checks after.
Terms go through the same stages (`Normalizer.key`, a string-only fast path).
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from modmesh.termmatch.confusables import CONFUSABLES
from modmesh.termmatch.domain import Flags
from modmesh.termmatch.spoken import read_aloud, read_aloud_text

IntArray = npt.NDArray[np.int64]


#: Common stand-ins; applied before confusables, so "1" is "i" (not TR39's "l") here.
LEET = {
    "0": "o",
    "1": "i",
    "3": "e",
    "4": "a",
    "5": "s",
    "7": "t",
    "8": "b",
    "9": "g",
    "@": "a",
    "$": "s",
    "€": "e",
    "+": "t",
}

#: Scripts written without spaces between words.
_UNSPACED_RANGES = [
    (0x0E00, 0x0EFF),  # Thai, Lao
    (0x1000, 0x109F),  # Myanmar
    (0x1780, 0x17FF),  # Khmer
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0x31F0, 0x31FF),  # Katakana phonetic extensions
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0x20000, 0x3FFFF),  # CJK extensions B and later
]


#: Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties.txt, Unicode 16):
#: characters that render as nothing unless a font has a reason to show them.
_INVISIBLE_RANGES = [
    (0x00AD, 0x00AD),  # soft hyphen
    (0x034F, 0x034F),  # combining grapheme joiner
    (0x061C, 0x061C),  # Arabic letter mark
    (0x115F, 0x1160),  # Hangul fillers
    (0x17B4, 0x17B5),  # Khmer inherent vowels
    (0x180B, 0x180F),  # Mongolian variation selectors, vowel separator
    (0x200B, 0x200F),  # zero-width space, non-joiner, joiner; directional marks
    (0x202A, 0x202E),  # bidi embeddings and overrides
    (0x2060, 0x206F),  # word joiner, invisible operators, bidi isolates
    (0x3164, 0x3164),  # Hangul filler
    (0xFE00, 0xFE0F),  # variation selectors
    (0xFEFF, 0xFEFF),  # zero-width no-break space (byte order mark)
    (0xFFA0, 0xFFA0),  # half-width Hangul filler
    (0x1BCA0, 0x1BCA3),  # shorthand format controls
    (0x1D173, 0x1D17A),  # musical symbol format controls
    (0xE0000, 0xE0FFF),  # tags, variation selectors supplement
]


def is_invisible(char: str) -> bool:
    cp = ord(char)
    return any(a <= cp <= b for a, b in _INVISIBLE_RANGES)


def is_unspaced(char: str) -> bool:
    cp = ord(char)
    return any(a <= cp <= b for a, b in _UNSPACED_RANGES)


def _is_word_char(char: str) -> bool:
    return char.isalnum() or unicodedata.category(char).startswith("M")


def _strip_marks(text: str) -> str:
    return "".join(c for c in text if not unicodedata.category(c).startswith("M"))


def fold(char: str, flags: Flags) -> str:
    """What one code point becomes in the match view (stage 1), before runs of spaces
    collapse. This is the definition the fast paths and the tests' reference share."""
    if flags.nfkc and is_invisible(char):
        return ""
    text = char
    for _ in range(2):  # twice: confusables and leetspeak can produce foldable characters
        if flags.nfkc:
            text = unicodedata.normalize("NFKD", text)
        if flags.casefold:
            text = text.casefold()
            if flags.nfkc:
                text = unicodedata.normalize("NFKD", text)
        if flags.strip_accents:
            text = _strip_marks(unicodedata.normalize("NFKD" if flags.nfkc else "NFD", text))
        if flags.leetspeak:
            text = "".join(LEET.get(c, c) for c in text)
        if not flags.confusables:
            break
        text = "".join(CONFUSABLES.get(c, c) for c in text)
    pieces = []
    for c in text:
        if not _is_word_char(c):
            pieces.append(" ")
        elif is_unspaced(c):
            pieces.append(f" {c} ")
        else:
            pieces.append(c)
    return "".join(pieces)


class _FoldTable(dict[int, str]):
    """str.translate table that folds each code point the first time it is seen."""

    def __init__(self, flags: Flags) -> None:
        super().__init__()
        self._flags = flags

    def __missing__(self, code_point: int) -> str:
        folded = fold(chr(code_point), self._flags)
        self[code_point] = folded
        return folded


class _FoldArrays:
    """The folds of the code points seen so far, as arrays for folding whole texts in
    numpy: slot_of[code point] -> row of `table` (its fold, padded) and `lengths`.

    New code points are added under a lock; readers look up slots before reading the
    state, and slots are published after the state that holds them, so a reader never
    sees a slot its state lacks.
    """

    def __init__(self, folds: _FoldTable) -> None:
        self._folds = folds
        self._lock = threading.Lock()
        self.slot_of = np.full(0x110000, -1, dtype=np.int32)
        self.state: tuple[npt.NDArray[np.uint32], npt.NDArray[np.int64]] = (
            np.zeros((0, 1), dtype=np.uint32),
            np.zeros(0, dtype=np.int64),
        )

    def slots(self, codes: npt.NDArray[np.uint32]) -> npt.NDArray[np.int32]:
        slots = self.slot_of[codes]
        if (slots < 0).any():
            self._add(np.unique(codes[slots < 0]))
            slots = self.slot_of[codes]
        return slots

    def _add(self, codes: npt.NDArray[np.uint32]) -> None:
        """Appends rows for new code points (only theirs are built in Python: a text of
        a script not seen before brings hundreds)."""
        with self._lock:
            new = [int(code) for code in codes if self.slot_of[code] < 0]
            if not new:
                return
            rows = [self._folds[code] for code in new]
            table, lengths = self.state
            width = max(table.shape[1], *map(len, rows))
            added = np.zeros((len(rows), width), dtype=np.uint32)
            for index, row in enumerate(rows):
                added[index, : len(row)] = [ord(c) for c in row]
            if width > table.shape[1]:
                table = np.pad(table, ((0, 0), (0, width - table.shape[1])))
            first = len(lengths)
            self.state = (
                np.concatenate((table, added)),
                np.concatenate((lengths, np.array(list(map(len, rows)), dtype=np.int64))),
            )
            self.slot_of[new] = np.arange(first, first + len(new), dtype=np.int32)


_SPACE = ord(" ")
_UNSPACED_CODES = np.zeros(0x110000, dtype=bool)
for _first, _last in _UNSPACED_RANGES:
    _UNSPACED_CODES[_first : _last + 1] = True
_WHITESPACE_CODES = np.zeros(0x110000, dtype=bool)
_WHITESPACE_CODES[[c for c in range(0x3001) if chr(c).isspace()]] = True  # U+3000 is the last
_REPEATS = re.compile(r"(.)\1+", re.DOTALL)


@dataclass(frozen=True)
class Normalized:
    """A text's match view: `text[i]` came from `original[starts[i]:ends[i]]`."""

    text: str
    starts: IntArray
    ends: IntArray

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The original span that view[start:end] (non-empty) came from."""
        return int(self.starts[start]), int(self.ends[end - 1])

    def aligned(self, start: int, end: int) -> bool:
        """Whether view[start:end] has an original span of its own: no letter outside it
        came from the characters it covers. A match on "f" inside the "fi" that "\ufb01"
        folds to has none. (The spaces that stand a character of an unspaced script
        alone do not count.)"""
        first, last = self.original_span(start, end)
        before = start - 1
        while before >= 0 and self.ends[before] > first:
            if self.text[before] != " ":
                return False
            before -= 1
        after = end
        while after < len(self.text) and self.starts[after] < last:
            if self.text[after] != " ":
                return False
            after += 1
        return True


class Normalizer:
    """The normalisation of one set of flags; caches folds, so keep one per flag set."""

    def __init__(self, flags: Flags) -> None:
        self.flags = flags
        self._folds = _FoldTable(flags)
        self._arrays = _FoldArrays(self._folds)
        # Under leetspeak a figure touching "€" or "@" is part of a word, not a number.
        self._stand_ins = "".join(LEET) if flags.leetspeak else ""

    def key(self, term: str) -> str:
        """A term's match view: " words of it " (stages 1-3 without offsets)."""
        if self.flags.spoken_forms:
            term = read_aloud_text(term, self._stand_ins)
        # Folding leaves " " as the only whitespace, so split() finds the separator runs.
        words = term.translate(self._folds).split()
        if not words:
            return " "
        text = f" {' '.join(words)} "
        # A run of single letters needs a one-letter word; most terms have none. Joining
        # it depends on the separators folding lost: the text path has them.
        if self.flags.ignore_separators and min(map(len, words)) == 1:
            return self._fold(term).text
        if self.flags.collapse_repeats:
            text = _REPEATS.sub(r"\1", text)
        return text

    def keys(self, terms: list[str]) -> list[str]:
        """`key` of many terms at once: stage 3 runs once over all of them, one term a
        line (folding never makes a newline), which is several times faster."""
        folds = self._folds
        lines = []
        for term in terms:
            if self.flags.spoken_forms:
                term = read_aloud_text(term, self._stand_ins)
            words = term.translate(folds).split()
            if self.flags.ignore_separators and words and min(map(len, words)) == 1:
                lines.append(self._fold(term).text)  # see key; collapsing it again is a no-op
            else:
                lines.append(f" {' '.join(words)} " if words else " ")
        text = "\n".join(lines)
        if self.flags.collapse_repeats:
            text = _REPEATS.sub(r"\1", text)
        return text.split("\n") if terms else []

    def normalize(self, original: str) -> Normalized:
        read = read_aloud(original, self._stand_ins) if self.flags.spoken_forms else None
        if read is None:
            return self._fold(original)
        # The view of the reading, its offsets carried back to the original text.
        reading, read_starts, read_ends = read
        view = self._fold(reading)
        starts = np.append(read_starts, len(original))[view.starts]
        ends = np.where(view.ends > view.starts, read_ends[np.maximum(view.ends - 1, 0)], starts)
        return Normalized(view.text, starts, ends)

    def _fold(self, original: str) -> Normalized:
        """Stages 1-3."""
        n = len(original)
        slots = self._arrays.slots(_code_points(original))
        table, fold_lengths = self._arrays.state
        lengths = fold_lengths[slots]
        # Stage 1: the folds of all characters laid end to end, between two spaces; each
        # folded character remembers the original one it came from (`source`).
        positions = np.arange(n, dtype=np.int64)
        if (lengths == 1).all():
            source = positions
            folded = table[slots, 0]
        else:
            source = np.repeat(positions, lengths)
            first_folded = np.cumsum(lengths) - lengths
            within = np.arange(len(source)) - first_folded[source]
            folded = table.ravel()[slots[source].astype(np.int64) * table.shape[1] + within]
        codes = np.concatenate(([_SPACE], folded, [_SPACE])).astype(np.uint32)
        # A character that folds to nothing (a stripped accent) belongs to the one before
        # it, so a hit on "cafe" in "cafe\u0301" covers the accent.
        if (lengths > 0).all():
            source_end = source + 1
        else:
            following = np.where(lengths > 0, positions, n)
            next_producer = np.append(np.minimum.accumulate(following[::-1])[::-1], n)
            source_end = next_producer[source + 1]
        starts = np.concatenate(([0], source, [n]))
        ends = np.concatenate(([0], source_end, [n]))
        # Stage 1 ends with one space per separator run.
        codes, starts, ends = _collapse(codes, starts, ends, spaces_only=True)
        if self.flags.ignore_separators:
            codes, starts, ends = _join_singles(codes, starts, ends, _code_points(original))
        if self.flags.collapse_repeats:
            codes, starts, ends = _collapse(codes, starts, ends, spaces_only=False)
        return Normalized(codes.tobytes().decode("utf-32-le"), starts, ends)


def _code_points(text: str) -> npt.NDArray[np.uint32]:
    return np.frombuffer(text.encode("utf-32-le"), np.uint32)


def _collapse(
    codes: npt.NDArray[np.uint32], starts: IntArray, ends: IntArray, *, spaces_only: bool
) -> tuple[npt.NDArray[np.uint32], IntArray, IntArray]:
    """Keeps the first character of each run of equal ones; it covers the whole run."""
    if spaces_only:
        space = codes == _SPACE
        repeat = space[1:] & space[:-1]
    else:
        repeat = codes[1:] == codes[:-1]
    if not repeat.any():
        return codes, starts, ends
    keep = np.empty(len(codes), dtype=bool)
    keep[0] = True
    np.logical_not(repeat, out=keep[1:])
    kept = np.flatnonzero(keep)
    last_of_run = np.empty_like(kept)
    last_of_run[:-1] = kept[1:] - 1
    last_of_run[-1] = len(codes) - 1
    return codes[kept], starts[kept], ends[last_of_run]


def _join_singles(
    codes: npt.NDArray[np.uint32],
    starts: IntArray,
    ends: IntArray,
    original: npt.NDArray[np.uint32],
) -> tuple[npt.NDArray[np.uint32], IntArray, IntArray]:
    """Drops the spaces between single letters: in a run of them (letters of unspaced
    scripts always stand alone, so they never count), every space; but where some of
    the run's separators have punctuation, only those, since its whitespace separates
    words ("a s.c.a.m", "I s-c-a-m", "f.r.e.e g.i.f.t")."""
    space = codes == _SPACE
    # A single letter: no space, a space on both sides, not of an unspaced script.
    single = space[:-2] & space[2:] & ~space[1:-1] & ~_UNSPACED_CODES[codes[1:-1]]
    drop = np.zeros(len(codes), dtype=bool)
    drop[2:-2] = single[:-2] & single[2:]  # a space between two of them
    if not drop.any():
        return codes, starts, ends
    between = np.flatnonzero(drop)
    # Whether each such space's original separators are all whitespace.
    not_white = np.concatenate(([0], np.cumsum(~_WHITESPACE_CODES[original])))
    white = not_white[ends[between]] == not_white[starts[between]]
    # Runs: spaces two apart (letter, space, letter, space...).
    run = np.concatenate(([0], np.cumsum(np.diff(between) != 2)))
    punctuated = np.zeros(run[-1] + 1, dtype=bool)
    punctuated[run[~white]] = True
    drop[between[white & punctuated[run]]] = False
    keep = ~drop
    return codes[keep], starts[keep], ends[keep]
