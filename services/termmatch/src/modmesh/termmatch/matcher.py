"""Finding every active list's terms in a text in one pass.

Lists that share normalisation flags share one Aho-Corasick automaton over their terms'
match-view keys (see normalize): the text is normalised once per distinct flag set and
scanned once, in time independent of the number of terms (beyond SHARD_KEYS terms, once
per shard). Whole-word keys carry their boundary spaces, so the automaton reports
exactly the hits. Under `join_words` the keys and the scanned view have no spaces at all
("give away" and "giveaway" are one key), and a whole-word hit counts where it starts
and ends at word boundaries of the view. Regex terms run with RE2 (linear time) over the
view as it is, spaces and all; an RE2 set first tells which of them occur at all.

A `CompiledLists` is immutable: the service swaps in a new one after an edit, and a match
in flight keeps the one it started with. The new one is built from the one it replaces and
shares with it whatever the edit did not change (shards, keys, values), and no step of
building it or freeing the old one holds the GIL for long, so matches go on meanwhile:
automata link in compiled code without the GIL (see automaton), maps of a million keys
grow and copy in parts (see _Group), and a replaced version is freed in steps (Reaper).
"""

from __future__ import annotations

import contextlib
import gc
import queue
import sys
import threading
import time
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import re2

from modmesh.termmatch.automaton import Automaton, code_points
from modmesh.termmatch.domain import Flags, Term, TermKind, TermList
from modmesh.termmatch.normalize import Normalizer
from modmesh.termmatch.parted import (
    LIST_PART_MASK,
    LIST_PART_SHIFT,
    MAP_PARTS,
    PartedList,
    PartedMap,
)
from modmesh.termmatch.sounds import SoundIndex, without_text_hits

_SPACE = ord(" ")
#: Python's switch interval for a process that matches while it compiles (default 5 ms).
#: A match lets go of the GIL in many of its numpy calls, and each time it waits for a
#: compile's Python steps to hand it back, up to this long. Beside a busy Python thread,
#: 1 KB matches (0.3 ms p99 alone) took 47 ms at p99 with 5 ms, 6 ms with 0.5 ms, 2 ms
#: with 0.1 ms; but at 0.1 ms compiling a million-term list beside matches took twice as
#: long (10 s against 5.3 s; 0.25 ms: 6 s and 4.7 ms p99), so 0.5 ms.
SWITCH_INTERVAL_S = 0.0005


class InvalidPattern(ValueError):
    """RE2 cannot compile a regex term; the message says why."""


def _re2_options() -> Any:
    options = re2.Options()
    options.log_errors = False  # the caller reports the error; no stray stderr lines
    return options


_RE2_OPTIONS = _re2_options()


def compile_pattern(pattern: str) -> Any:
    try:
        return re2.compile(pattern, _RE2_OPTIONS)
    except re2.error as error:
        reason = error.args[0]
        raise InvalidPattern(
            reason.decode(errors="replace") if isinstance(reason, bytes) else str(reason)
        ) from None


@dataclass(frozen=True)
class Occurrence:
    term: Term
    list_id: str
    #: Span in the original text, code points, end exclusive.
    start: int
    end: int
    #: None for a hit on the text; a hit by sound's confidence (see sounds).
    sound_confidence: float | None = None


def key_of(normalizer: Normalizer, text: str, kind: TermKind) -> str:
    """The automaton key of a word or substring term (empty: nothing to match)."""
    return _match_key(normalizer.key(text), kind, normalizer.flags)


def _match_key(view: str, kind: TermKind, flags: Flags) -> str:
    """A word or substring term's automaton key from its text's match view; exception
    phrases are keyed as word terms."""
    if flags.join_words:
        return view.replace(" ", "")
    if kind == TermKind.SUBSTRING:
        return view.strip(" ")
    return view if view.strip(" ") else ""


#: Keys per automaton. Linking one does not stall matches (see automaton), but it costs
#: about 2 s per million keys, and an edit is to be served within a second: an edit
#: links its new keys in a small shard (see GROWTH), and no merge relinks more than
#: this many. Up to this many keys per flag set, the text is scanned once.
SHARD_KEYS = 250_000
#: An edit does not relink the shards it leaves alone: its new keys go into a small shard
#: at the tail, merged with the tail shards no more than GROWTH times its size. Tail sizes
#: so fall geometrically (a few small shards, each one more quick scan), and each key is
#: relinked a few times on its way into a full shard, in merges the size of the edits.
GROWTH = 8
#: Texts normalised in one call (a call over a million held the GIL for a third of a
#: second; at 512 the longest C step is about a millisecond, and all of batching's gain
#: is kept).
_VIEWS_PER_STEP = 512
#: Objects let go of per step when a replaced version is freed (see Reaper).
_RELEASE_STEP = 4096

# An automaton value: the key's length and what it stands for, as
# (index of the list in the group, term or None for an exception phrase).
_Entry = tuple[int, Term | None]
_Value = tuple[int, tuple[_Entry, ...]]
#: The value of a key no term has any more (its shard is relinked later, without it).
_STALE: _Value = (0, ())
#: What an edit changed in one list of a group: (its index, terms removed, terms added).
_Edit = tuple[int, list[Term], list[Term]]
#: An edit that changes more terms than this share of its group's (plus a few) is
#: compiled from every term instead of applied key by key.
_MOST_EDITED = 0.1


@dataclass(frozen=True)
class _Shard:
    automaton: Automaton
    keys: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Found:
    index: int
    term: Term
    #: Span in the original text.
    start: int
    end: int
    #: None for a hit on the text; a hit by sound's confidence (see sounds).
    sound_confidence: float | None = None


class _Group:
    """The lists of one flag set, compiled together.

    Built from the group it replaces (same flags), it keeps that group's shards and
    their keys' slots; only new keys are linked (see GROWTH), so an edit of one term
    costs little more than its own keys' link. Its maps of a million keys are parted
    (see parted), so that no step of an edit holds the GIL for long: at a million keys
    the longest C call of an edit takes under 3 ms, where copying the map took 13-40 ms.
    """

    #: Match views by text (see _compile).
    views: PartedMap[str, str]
    #: Each key's slot: the int its automaton reports, the index of its value.
    slot_of: PartedMap[str, int]
    values: PartedList[_Value]
    shards: list[_Shard]
    #: Keys that stand for something; the others are stale, linked until relinked.
    live: int
    patterns: list[tuple[int, Term, Any]]

    def __init__(
        self,
        flags: Flags,
        lists: list[TermList],
        normalizer: Normalizer,
        previous: _Group | None = None,
        edits: list[_Edit] | None = None,
    ) -> None:
        """With `edits` (see _edits), the previous group with them applied key by key;
        else compiled from every term, reusing what it can of `previous`."""
        self.flags = flags
        self.lists = lists
        self.signature = tuple((t.list_id, t.version) for t in lists)
        self.normalizer = normalizer
        # Each list's words by sound (flag sounds_like): kept from `previous` for a list
        # of the same version, edited from it for a list an edit changed.
        self.sounds: dict[int, SoundIndex] = {}
        if flags.sounds_like:
            kept = {} if previous is None else previous.sounds_by_version()
            changed = {index: (removed, added) for index, removed, added in edits or ()}
            for index, term_list in enumerate(lists):
                sounds = kept.get((term_list.list_id, term_list.version))
                if sounds is None and previous is not None and index in changed:
                    sounds = previous.sounds[index].edited(*changed[index])
                if sounds is None:
                    sounds = SoundIndex(term_list.terms, normalizer)
                self.sounds[index] = sounds
        if previous is not None and edits is not None:
            self._apply(previous, edits)
        else:
            self._compile(lists, previous)
        self.pattern_set: Any = None
        if self.patterns:
            pattern_set = re2.Set.SearchSet(_RE2_OPTIONS)
            for _, term, _ in self.patterns:
                pattern_set.Add(term.text)
            pattern_set.Compile()
            self.pattern_set = pattern_set

    def _compile(self, lists: list[TermList], previous: _Group | None) -> None:
        # Match views by text. Computing them is most of a build's time, and they depend
        # on the flags only, so a group shares the cache of the one it replaces and adds
        # to it; a cache grown to over twice the texts in use starts afresh (from the old
        # one), so that removed terms do not pile up.
        self.views = PartedMap() if previous is None else previous.views
        known: PartedMap[str, str] = PartedMap()
        in_use = sum(len(t.terms) + len(t.settings.exceptions) for t in lists)
        if len(self.views) > 2 * in_use + SHARD_KEYS:
            known, self.views = self.views, PartedMap()
        self._learn(_texts(lists), known)
        view_parts = self.views.parts
        # Entries by key, as tuples: a key stands for one term but in rare cases. Parted,
        # so that growing it to a million keys never resizes a million-entry dict.
        by_key: PartedMap[str, tuple[_Entry, ...]] = PartedMap()
        parts = by_key.parts
        self.patterns = []
        regex, word, flags = TermKind.REGEX, TermKind.WORD, self.flags
        for index, term_list in enumerate(lists):
            for phrase in term_list.settings.exceptions:
                key = _match_key(view_parts[hash(phrase) % MAP_PARTS][phrase], word, flags)
                if key:
                    part = parts[hash(key) % MAP_PARTS]
                    part[key] = (*part.get(key, ()), (index, None))
            for term in term_list.terms:
                kind = term.kind
                if kind == regex:
                    self.patterns.append((index, term, compile_pattern(term.text)))
                    continue
                text = term.text
                key = _match_key(view_parts[hash(text) % MAP_PARTS][text], kind, flags)
                if key:
                    part = parts[hash(key) % MAP_PARTS]
                    entries = part.get(key)
                    part[key] = ((index, term),) if entries is None else (*entries, (index, term))
        self._link(by_key, previous)

    def _apply(self, previous: _Group, edits: list[_Edit]) -> None:
        """Shares the previous group's maps (copied on write) and shards, and changes
        only the keys of the terms edited: a removed term leaves its key's entries
        (stale when none is left; the key stays linked until its shard is relinked), an
        added one joins its key's entries or, for a new key, a tail shard."""
        regex = TermKind.REGEX
        self.views = previous.views
        self._learn(
            (t.text for _, _, added in edits for t in added if t.kind != regex), PartedMap()
        )
        self.slot_of = previous.slot_of.copy()
        self.values = previous.values.copy()
        self.shards = list(previous.shards)
        self.live = previous.live
        self.patterns = list(previous.patterns)
        fresh: list[str] = []
        for index, removed, added in edits:
            gone = {id(term) for term in removed}
            self.patterns = [p for p in self.patterns if p[0] != index or id(p[1]) not in gone]
            for term in removed:
                key = self._key(term)
                if key:
                    self._leave(key, index, term)
            for term in added:
                if term.kind == regex:
                    self.patterns.append((index, term, compile_pattern(term.text)))
                    continue
                key = self._key(term)
                if key:
                    self._join(key, index, term, fresh)
        self._grow(fresh)

    def _key(self, term: Term) -> str:
        """A word or substring term's automaton key (empty: none; regex terms: none)."""
        if term.kind == TermKind.REGEX:
            return ""
        return _match_key(self.views[term.text], term.kind, self.flags)

    def _leave(self, key: str, index: int, term: Term) -> None:
        slot = self.slot_of[key]
        length, entries = self.values[slot]
        kept = tuple(e for e in entries if e[0] != index or e[1] is not term)
        if kept:
            self.values[slot] = (length, kept)
        else:
            self.values[slot] = _STALE
            self.live -= 1

    def _join(self, key: str, index: int, term: Term, fresh: list[str]) -> None:
        slot = self.slot_of.get(key)
        if slot is None:
            self.slot_of[key] = len(self.values)
            self.values.append((len(key), ((index, term),)))
            fresh.append(key)
            self.live += 1
            return
        entries = self.values[slot][1]
        if not entries:
            self.live += 1  # a stale key, still linked: it stands for the term again
        self.values[slot] = (len(key), (*entries, (index, term)))

    def _learn(self, texts: Iterable[str], known: PartedMap[str, str]) -> None:
        """Adds the match views of the texts that the cache lacks."""
        # Loops and batches, not dict/set operations over all texts: one C call over a
        # million items holds the GIL for a third of a second (a cache miss per item).
        views = self.views
        missing = [text for text in texts if views.get(text) is None]
        unknown = []
        for text in missing:
            view = known.get(text)
            if view is None:
                unknown.append(text)  # a text twice in `missing` is computed twice: rare
            else:
                views[text] = view
        for first in range(0, len(unknown), _VIEWS_PER_STEP):
            batch = unknown[first : first + _VIEWS_PER_STEP]
            for text, view in zip(batch, self.normalizer.keys(batch), strict=True):
                views[text] = view

    def term_with_key(self, index: int, kind: TermKind, key: str) -> Term | None:
        """The term of list `index` with this identity: a regex's text, else its key."""
        if kind == TermKind.REGEX:
            candidates: Iterable[_Entry] = ((i, term) for i, term, _ in self.patterns)
        else:
            slot = self.slot_of.get(key)
            candidates = () if slot is None else self.values[slot][1]
        return next(
            (t for i, t in candidates if i == index and t is not None and t.kind == kind), None
        )

    def _link(self, by_key: PartedMap[str, tuple[_Entry, ...]], previous: _Group | None) -> None:
        """Gives every key a slot (the int its automaton reports) and a shard."""
        live = self.live = len(by_key)
        if previous is not None and len(previous.values) > 2 * live + SHARD_KEYS:
            previous = None  # mostly stale keys: relink everything once
        fresh: list[str] = []
        if previous is None:
            self.slot_of = PartedMap()
            self.values = self._number(by_key, fresh)
            self.shards = []
        else:
            # Shared, not copied: only the parts this edit writes to are (see parted).
            self.slot_of = previous.slot_of.copy()
            self.values = previous.values.copy()
            self.shards = list(previous.shards)
            self._renumber(by_key, fresh)
        self._grow(fresh)

    def _grow(self, fresh: list[str]) -> None:
        """Links new keys in tail shards (see GROWTH)."""
        for first in range(0, len(fresh), SHARD_KEYS):
            pending = fresh[first : first + SHARD_KEYS]
            if len(pending) < SHARD_KEYS:
                while self.shards and _merges(self.shards[-1], pending):
                    pending = self._unlink(self.shards.pop()) + pending
                    if len(pending) >= SHARD_KEYS:
                        break
            self.shards.append(self._seal(pending))

    def _number(
        self, by_key: PartedMap[str, tuple[_Entry, ...]], fresh: list[str]
    ) -> PartedList[_Value]:
        """Slots for every key, from nothing; by_key's entries are freed one by one
        (popitem), as they become values, not all at once."""
        values: list[_Value] = []
        for index, part in enumerate(by_key.parts):
            slots = self.slot_of.parts[index]  # a key's part is the same in both maps
            while part:
                key, entries = part.popitem()
                slots[key] = len(values)
                values.append((len(key), entries))
                fresh.append(key)
        return PartedList(values)

    def _renumber(self, by_key: PartedMap[str, tuple[_Entry, ...]], fresh: list[str]) -> None:
        """Slots of the previous group kept, new keys' slots added, removed keys' values
        stale. Values that did not change are kept, not rebuilt: whatever is built here,
        the old group frees when it is swapped out."""
        slot_of, values = self.slot_of, self.values
        shift, mask = LIST_PART_SHIFT, LIST_PART_MASK
        for index, slots in enumerate(slot_of.parts):
            keyed = by_key.parts[index]
            for key, slot in slots.items():
                if key not in keyed:
                    values[slot] = _STALE
        for index, part in enumerate(by_key.parts):
            while part:
                key, entries = part.popitem()
                known = slot_of.parts[index].get(key)
                if known is None:
                    slot_of[key] = len(values)
                    values.append((len(key), entries))
                    fresh.append(key)
                elif values.parts[known >> shift][known & mask][1] != entries:
                    values[known] = (len(key), entries)

    def _unlink(self, shard: _Shard) -> list[str]:
        """A shard's keys that still stand for something; the others lose their slot."""
        kept = []
        for key in shard.keys:
            if self.values[self.slot_of[key]] is _STALE:
                del self.slot_of[key]
            else:
                kept.append(key)
        return kept

    def _seal(self, keys: list[str]) -> _Shard:
        slot_of = self.slot_of
        # From a generator, not a list: converting a list of 250k ints is one C call
        # that holds the GIL for milliseconds.
        slots = np.fromiter((slot_of[key] for key in keys), np.int64, len(keys))
        return _Shard(Automaton(keys, slots), tuple(keys))

    def dismantle(self) -> Iterator[None]:
        """Lets go of the group's objects a few thousand at a time (see Reaper). The
        shards go first, while the maps still hold their keys (so each shard's tuple of
        keys frees no strings); then the maps, a part at a time. The cache of views is
        left alone when the next group shares it."""
        while self.shards:
            self.shards.pop()
            yield
        yield from self.values.dismantle()
        yield from self.slot_of.dismantle()
        if sys.getrefcount(self.views) == 2:  # this group's attribute and the argument
            yield from self.views.dismantle()

    def sounds_by_version(self) -> dict[tuple[str, int], SoundIndex]:
        return {
            (self.lists[index].list_id, self.lists[index].version): sounds
            for index, sounds in self.sounds.items()
        }

    def find(self, text: str, wanted: Collection[int]) -> list[_Found]:
        """Every hit of the wanted lists: on the text, then (flag sounds_like) by sound."""
        view = self.normalizer.normalize(text)
        codes = code_points(view.text)
        # Under join_words the scan skips the spaces; `letters` maps its positions back.
        letters = np.flatnonzero(codes != _SPACE) if self.flags.join_words else None
        scanned = codes if letters is None else codes[letters]
        found: list[tuple[int, Term, int, int]] = []
        allowed: dict[int, list[tuple[int, int]]] = {}
        for shard in self.shards:
            for last, value in shard.automaton.iter(scanned):
                length, entries = self.values[value]
                if not entries:
                    continue  # a stale key (see _STALE): no length, and nothing to report
                first = last - length + 1
                whole_words = True  # spaced keys carry their boundaries
                if letters is not None:
                    first, last = int(letters[first]), int(letters[last])
                    # The view starts and ends with a space: both neighbours exist.
                    whole_words = view.text[first - 1] == " " == view.text[last + 1]
                for index, term in entries:
                    if index not in wanted:
                        continue
                    if not whole_words and (term is None or term.kind != TermKind.SUBSTRING):
                        continue  # a word term or an exception inside a longer word
                    start, end = _content(view.text, first, last + 1)
                    if term is None:
                        allowed.setdefault(index, []).append((start, end))
                    else:
                        found.append((index, term, start, end))
        if self.pattern_set is not None:
            # Match answers None, not an empty list, when no pattern matches.
            for number in self.pattern_set.Match(view.text) or ():
                index, term, pattern = self.patterns[number]
                if index not in wanted:
                    continue
                for match in pattern.finditer(view.text):
                    start, end = _content(view.text, match.start(), match.end())
                    if start < end:
                        found.append((index, term, start, end))
        on_text = [
            (index, term, start, end)
            for index, term, start, end in found
            if view.aligned(start, end) and not _inside(allowed.get(index, ()), start, end)
        ]
        by_sound = [
            _Found(index, hit.term, *view.original_span(hit.start, hit.end), hit.confidence)
            for index, sounds in self.sounds.items()
            if index in wanted
            for hit in without_text_hits(
                sounds.find(view), [(t, s, e) for i, t, s, e in on_text if i == index]
            )
            if not _inside(allowed.get(index, ()), hit.start, hit.end)
        ]
        return [
            _Found(index, term, *view.original_span(start, end))
            for index, term, start, end in on_text
        ] + by_sound


def _texts(lists: Iterable[TermList]) -> Iterator[str]:
    """The texts whose match views a group needs: exceptions, and terms but regexes."""
    regex = TermKind.REGEX
    for term_list in lists:
        yield from term_list.settings.exceptions
        for term in term_list.terms:
            if term.kind != regex:
                yield term.text


def _edits(before: _Group, lists: list[TermList]) -> list[_Edit] | None:
    """How `lists` differ from the group compiled before, when only a few terms did:
    found by the identity of Term objects, which an edit keeps for the terms it leaves
    alone. None when lists came or went, exceptions changed, or many terms did, and
    when most of the group's keys are stale already (a full compile relinks them)."""
    if [t.list_id for t in before.lists] != [t.list_id for t in lists]:
        return None
    if len(before.values) > 2 * before.live + SHARD_KEYS:
        return None
    budget = int(_MOST_EDITED * sum(len(t.terms) for t in lists)) + 100
    edits = []
    for index, (old, new) in enumerate(zip(before.lists, lists, strict=True)):
        if old is new:
            continue
        if old.settings.exceptions != new.settings.exceptions:
            return None
        changed = _difference(old.terms, new.terms, budget)
        if changed is None:
            return None
        removed, added = changed
        budget -= len(removed) + len(added)
        edits.append((index, removed, added))
    return edits


def _difference(
    old: tuple[Term, ...], new: tuple[Term, ...], budget: int
) -> tuple[list[Term], list[Term]] | None:
    """The terms of `old` that `new` lacks and those `new` adds, by identity, in one walk
    over both: an edit keeps the order of the terms it leaves (an updated term keeps its
    place, added ones come last). None when more than `budget` changed."""
    removed: list[Term] = []
    added: list[Term] = []
    i = j = 0
    while i < len(old) and j < len(new):
        if old[i] is new[j]:
            i += 1
            j += 1
            continue
        if old[i].term_id == new[j].term_id:  # updated in place
            added.append(new[j])
            j += 1
        removed.append(old[i])
        i += 1
        if len(removed) + len(added) > budget:
            return None
    if len(removed) + len(added) + len(old) - i + len(new) - j > budget:
        return None
    removed.extend(old[i:])
    added.extend(new[j:])
    return removed, added


def _merges(shard: _Shard, pending: list[str]) -> bool:
    """Whether a tail shard is relinked with the keys pending (see GROWTH)."""
    return len(shard.keys) < SHARD_KEYS and len(shard.keys) <= GROWTH * len(pending)


def _content(view: str, start: int, end: int) -> tuple[int, int]:
    """A match without the boundary spaces around it."""
    while start < end and view[start] == " ":
        start += 1
    while end > start and view[end - 1] == " ":
        end -= 1
    return start, end


def _inside(spans: Iterable[tuple[int, int]], start: int, end: int) -> bool:
    return any(a <= start and end <= b for a, b in spans)


@contextlib.contextmanager
def _long_lived_objects() -> Iterator[None]:
    """Builds millions of long-lived objects without the cyclic GC scanning them.

    While they are allocated, full collections would rescan every object built so far
    (seconds at a million terms, holding the GIL); afterwards they are frozen out of
    later scans, so matching does not slow down with the size of the lists. They hold
    no reference cycles: reference counting frees them when a list is replaced.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
        gc.freeze()


class Reaper:
    """Frees replaced versions a step at a time, in a thread of its own.

    A version of a million terms is millions of objects, and letting go of its last
    reference frees them in one C call: 0.75 s at a million terms, every match waiting
    for the GIL meanwhile. The reaper waits until no match holds a retired version any
    more, then dismantles it, letting the GIL go between steps.
    """

    def __init__(self) -> None:
        self._retired: queue.SimpleQueue[CompiledLists] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start = threading.Lock()

    def retire(self, compiled: CompiledLists) -> None:
        """Hands over a version that is out of service (matches in flight may finish)."""
        self._retired.put(compiled)
        with self._start:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="termmatch-reaper", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        while True:
            compiled = self._retired.get()
            while sys.getrefcount(compiled) > 2:  # `compiled`, the argument: matches in flight
                time.sleep(0.005)
            for _ in compiled.dismantle():
                time.sleep(0)  # lets a waiting match have the GIL between steps
            del compiled


class CompiledLists:
    """Every list, compiled for matching; immutable once built."""

    def __init__(self, lists: Iterable[TermList], previous: CompiledLists | None = None) -> None:
        with _long_lived_objects():
            self._build(lists, previous)

    def _build(self, lists: Iterable[TermList], previous: CompiledLists | None) -> None:
        self.lists = {term_list.list_id: term_list for term_list in lists}
        by_flags: dict[Flags, list[TermList]] = {}
        for list_id in sorted(self.lists):
            term_list = self.lists[list_id]
            by_flags.setdefault(term_list.settings.flags, []).append(term_list)
        reusable = {} if previous is None else {g.signature: g for g in previous._groups}
        replaced = {} if previous is None else {g.flags: g for g in previous._groups}
        self._groups: list[_Group] = []
        for flags, members in by_flags.items():
            signature = tuple((t.list_id, t.version) for t in members)
            group = reusable.get(signature)
            if group is None:
                before = replaced.get(flags)
                normalizer = Normalizer(flags) if before is None else before.normalizer
                edits = None if before is None else _edits(before, members)
                group = _Group(flags, members, normalizer, before, edits)
            self._groups.append(group)
        self._group_of = {
            t.list_id: (group, index)
            for group in self._groups
            for index, t in enumerate(group.lists)
        }

    def dismantle(self) -> Iterator[None]:
        """Lets go of this version a few thousand objects at a time, yielding between
        steps (see Reaper). For a version no match uses any more: what a newer version
        shares with it (groups, parts of maps, lists, terms) stays alive with that one."""
        groups, self._groups, self._group_of = self._groups, [], {}
        lists, self.lists = self.lists, {}
        while groups:
            group = groups.pop()
            if sys.getrefcount(group) == 2:  # `group` and the argument: no newer version's
                yield from group.dismantle()
            del group
            yield
        while lists:
            _, term_list = lists.popitem()
            terms = term_list.terms
            del term_list  # the last reference but for a newer version's
            if sys.getrefcount(terms) == 2:  # `terms` and the argument: ours alone
                held: list[Term] = []
                for first in range(0, len(terms), _RELEASE_STEP):
                    held.extend(terms[first : first + _RELEASE_STEP])
                    yield
                del terms  # decrements the terms; `held` frees them, a step at a time
                while held:
                    del held[-_RELEASE_STEP:]
                    yield
            else:
                del terms

    def term_with_key(self, list_id: str, kind: TermKind, key: str) -> Term | None:
        """The term of a compiled list with this identity (a regex's text, else its
        `key_of` under the list's flags), if it has one: a duplicate check that needs
        no pass over the list."""
        group, index = self._group_of[list_id]
        return group.term_with_key(index, kind, key)

    def find(self, text: str, list_ids: Collection[str], at: datetime) -> list[Occurrence]:
        """Hits of the given lists whose list and term windows contain `at`, by position."""
        wanted: dict[int, set[int]] = {}
        for list_id in list_ids:
            group, index = self._group_of[list_id]
            if group.lists[index].settings.window.contains(at):
                wanted.setdefault(id(group), set()).add(index)
        occurrences = [
            Occurrence(
                found.term,
                group.lists[found.index].list_id,
                found.start,
                found.end,
                found.sound_confidence,
            )
            for group in self._groups
            if id(group) in wanted
            for found in group.find(text, wanted[id(group)])
            if found.term.window.contains(at)
        ]
        occurrences.sort(key=lambda o: (o.start, o.end, o.list_id, o.term.term_id))
        return occurrences
