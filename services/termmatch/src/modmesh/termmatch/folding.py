"""How a search reads a term and a query, so that "CAFÉ" finds "café" and full-width
"\uff27\uff29\uff26\uff34" finds "gift", in every list alike.

Searching is for people looking for a term they half remember, not for matching: it
does not follow a list's flags (a list's flags change without its terms being written
again, and its stored key must not depend on them), it keeps punctuation (a regex term
is found by a piece of its pattern), and it finds a query anywhere in the folded text
or term id, inside words too.
"""

from __future__ import annotations

import unicodedata

#: Folded characters of a term's text that its search key keeps: more than any term has
#: (200 characters), less than a PostgreSQL index entry holds, even for characters that
#: NFKC expands (one character can become 18).
MAX_TEXT_KEY_CHARS = 300
#: Folded characters of a term id that its search key keeps (ids have at most 64).
MAX_ID_KEY_CHARS = 100
#: Between the text and the id in a key. Folding turns it into a space, so no query can
#: contain it and no match spans the text's end and the id's start.
SEPARATOR = "\x1f"


#: ASCII's control characters, each to a space.
_ASCII_CONTROLS = str.maketrans({**{chr(c): " " for c in range(0x20)}, "\x7f": " "})


def fold(text: str) -> str:
    """NFKC (width and compatibility forms), case folded, marks dropped after NFD (accents:
    "é" is "e"), control characters and every run of whitespace one space, trimmed."""
    if text.isascii():
        # The same, for most terms in a third of the time (a million-term import folds
        # two million strings): ASCII has no compatibility forms or marks, and
        # casefold() is lower() on it.
        return " ".join(text.translate(_ASCII_CONTROLS).lower().split())
    return _fold_unicode(text)


def _fold_unicode(text: str) -> str:
    folded = unicodedata.normalize("NFD", unicodedata.normalize("NFKC", text).casefold())
    kept = "".join(
        " " if unicodedata.category(c) == "Cc" else c
        for c in folded
        if not unicodedata.category(c).startswith("M")
    )
    # NFC again: NFD took Hangul syllables apart into letters that are not marks.
    return unicodedata.normalize("NFC", " ".join(kept.split()))


def search_key(text: str, term_id: str) -> str:
    """What a term's row stores to be searched: its folded text and its folded id."""
    return f"{fold(text)[:MAX_TEXT_KEY_CHARS]}{SEPARATOR}{fold(term_id)[:MAX_ID_KEY_CHARS]}"
