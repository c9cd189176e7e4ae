"""Which windows the model can read. all-MiniLM-L6-v2 learned English: a window written
mostly in another script (Cyrillic, Arabic, CJK…) is mostly unknown tokens to it, and its
nearest examples would be noise. Such windows are not scored, and the answer says so,
naming the scripts, so that a caller can route them to a person who reads them."""

from __future__ import annotations

import unicodedata
from collections import Counter

#: The scripts the model reads.
READABLE = frozenset({"LATIN"})
#: A window is read when at least this share of its letters is in a readable script.
READABLE_SHARE = 0.5


def scripts(text: str) -> Counter[str]:
    """Letters per script, by the first word of each letter's Unicode name."""
    return Counter(
        unicodedata.name(char, "UNKNOWN").split(" ", 1)[0] for char in text if char.isalpha()
    )


def unreadable_scripts(text: str) -> list[str]:
    """The scripts that make most of `text`'s letters when the model cannot read it;
    empty when it can (a text without letters included)."""
    counts = scripts(text)
    letters = sum(counts.values())
    readable = sum(counts[name] for name in READABLE)
    if not letters or readable >= READABLE_SHARE * letters:
        return []
    return [name.title() for name, _ in counts.most_common() if name not in READABLE]
