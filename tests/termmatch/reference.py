"""A slow, obviously correct matcher to check the engine against.

It shares only the definitions of what one code point (`fold`) and one token
(`spoken.read_aloud`) become with the engine; everything the engine vectorises (offset
arrays, collapsing runs, joining single letters, the automaton) is redone here with
plain loops over (character, start, end) triples and str.find.
"""

from __future__ import annotations

from modmesh.termmatch.domain import Flags, Term, TermKind
from modmesh.termmatch.normalize import LEET, fold, is_unspaced
from modmesh.termmatch.spoken import read_aloud

Item = tuple[str, int, int]


def view(text: str, flags: Flags) -> list[Item]:
    stand_ins = "".join(LEET) if flags.leetspeak else ""
    read = read_aloud(text, stand_ins) if flags.spoken_forms else None
    if read is None:
        return folded_view(text, flags)
    reading, starts, ends = read
    came_from = [(int(s), int(e)) for s, e in zip(starts, ends, strict=True)]
    came_from.append((len(text), len(text)))
    return [
        (c, came_from[start][0], came_from[end - 1][1] if end > start else came_from[start][0])
        for c, start, end in folded_view(reading, flags)
    ]


def folded_view(text: str, flags: Flags) -> list[Item]:
    items: list[Item] = [(" ", 0, 0)]
    producer: list[int] = []  # indexes of the items the last producing character made
    for index, char in enumerate(text):
        folded = fold(char, flags)
        if not folded:
            # Nothing of its own: the character belongs to the one before it.
            for item in producer:
                c, start, _ = items[item]
                items[item] = (c, start, index + 1)
            continue
        producer = []
        for c in folded:
            producer.append(len(items))
            items.append((c, index, index + 1))
    items.append((" ", len(text), len(text)))
    items = merge_runs(items, lambda c: c == " ")
    if flags.ignore_separators:
        items = join_singles(items, text)
    if flags.collapse_repeats:
        items = merge_runs(items, lambda c: True)
    return items


def merge_runs(items: list[Item], applies: object) -> list[Item]:
    merged: list[Item] = []
    for c, start, end in items:
        if merged and merged[-1][0] == c and applies(c):  # type: ignore[operator]
            merged[-1] = (c, merged[-1][1], end)
        else:
            merged.append((c, start, end))
    return merged


def join_singles(items: list[Item], text: str) -> list[Item]:
    def single(i: int) -> bool:
        return (
            0 < i < len(items) - 1
            and items[i - 1][0] == " "
            and items[i + 1][0] == " "
            and items[i][0] != " "
            and not is_unspaced(items[i][0])
        )

    drop = {
        i
        for i in range(1, len(items) - 2)
        if items[i][0] == " " and single(i - 1) and single(i + 1)
    }
    # A run of single letters with punctuation among its separators keeps its whitespace.
    runs: list[list[int]] = []
    for i in sorted(drop):
        if runs and runs[-1][-1] == i - 2:
            runs[-1].append(i)
        else:
            runs.append([i])
    for run in runs:
        white = [i for i in run if text[items[i][1] : items[i][2]].isspace()]
        if len(white) < len(run):
            drop -= set(white)
    return [item for i, item in enumerate(items) if i not in drop]


def key(term: Term, flags: Flags) -> str:
    text = "".join(c for c, _, _ in view(term.text, flags))
    return text.strip(" ") if term.kind == TermKind.SUBSTRING else text


def find(terms: list[Term], text: str, flags: Flags) -> list[tuple[str, int, int]]:
    """(term id, original start, end) of every hit, sorted."""
    if flags.join_words:
        return find_joined(terms, text, flags)
    items = view(text, flags)
    joined = "".join(c for c, _, _ in items)
    found = []
    for term in terms:
        wanted = key(term, flags)
        if not wanted.strip(" "):
            continue
        at = joined.find(wanted)
        while at != -1:
            first, last = at, at + len(wanted)
            while joined[first] == " ":
                first += 1
            while joined[last - 1] == " ":
                last -= 1
            if aligned(items, first, last):
                found.append((term.term_id, items[first][1], items[last - 1][2]))
            at = joined.find(wanted, at + 1)
    return sorted(found)


def find_joined(terms: list[Term], text: str, flags: Flags) -> list[tuple[str, int, int]]:
    """`find` with words joined: the key's letters in a row, spaces between them or
    not; a word term's first letter follows a space and its last one precedes one."""
    items = view(text, flags)
    letters = [i for i, (c, _, _) in enumerate(items) if c != " "]
    found = []
    for term in terms:
        wanted = key(term, flags).replace(" ", "")
        if not wanted:
            continue
        for at in range(len(letters) - len(wanted) + 1):
            run = letters[at : at + len(wanted)]
            if "".join(items[i][0] for i in run) != wanted:
                continue
            first, last = run[0], run[-1]
            whole = items[first - 1][0] == " " and items[last + 1][0] == " "
            if (whole or term.kind == TermKind.SUBSTRING) and aligned(items, first, last + 1):
                found.append((term.term_id, items[first][1], items[last][2]))
    return sorted(found)


def aligned(items: list[Item], first: int, last: int) -> bool:
    """No letter outside the match came from the original characters it covers."""
    span_start, span_end = items[first][1], items[last - 1][2]
    return not any(
        (i < first or i >= last) and c != " " and start < span_end and end > span_start
        for i, (c, start, end) in enumerate(items)
    )
