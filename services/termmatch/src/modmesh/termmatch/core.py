"""The termmatch domain core: validating and editing versioned lists, and matching.

No gRPC here: the servicer translates messages, and the errors raised below reach
the caller as statuses through the runtime's error interceptor. Methods are blocking
(storage and matching are CPU or I/O bound) and safe to call from several threads.

Several replicas may serve the same database. Each keeps every list compiled in memory
and `refresh()` (polled by the server) picks up versions another replica wrote: the new
automaton is built aside and swapped in with one assignment, so a match in flight
finishes on the lists it started with and never sees a half-built one.
"""

from __future__ import annotations

import bisect
import re
import threading
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from modmesh.contracts.evidence import Severity, TimeRange, Word
from modmesh.runtime.errors import InvalidArgument, NotFound, ResourceExhausted
from modmesh.termmatch.domain import (
    Flags,
    Hit,
    ListSettings,
    MatchResult,
    Term,
    TermDraft,
    TermKind,
    TermList,
    Window,
)
from modmesh.termmatch.matcher import (
    CompiledLists,
    InvalidPattern,
    Reaper,
    compile_pattern,
    key_of,
)
from modmesh.termmatch.normalize import Normalizer
from modmesh.termmatch.store import ListChange, ListStore

LIST_ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
MAX_TERM_CHARS = 200
MAX_TERM_ID_CHARS = 64
MAX_EXCEPTIONS = 10_000
#: Most lists one Match may name; more than any mesh keeps, and checked before any is
#: looked up, so a request naming millions is refused at once.
MAX_MATCH_LISTS = 1_000
_ALLOWED_SEVERITIES = ", ".join(f"SEVERITY_{s.name}" for s in Severity if s)
_ALLOWED_KINDS = ", ".join(f"TERM_KIND_{k.name}" for k in TermKind if k)
#: Term ids are derived from the words of the text as the default flags see them.
_ID_WORDS = Normalizer(Flags())


@dataclass(frozen=True)
class _Labels:
    """Names request items in errors: terms[3].text over RPC, line 4 in an import."""

    lines: Sequence[int] | None = None

    def item(self, index: int) -> str:
        return f"terms[{index}]" if self.lines is None else f"line {self.lines[index]}"

    def field(self, index: int, name: str) -> str:
        return f"{self.item(index)}.{name}" if self.lines is None else self.item(index)

    def message(self, index: int, name: str) -> str:
        if self.lines is None:
            return f"{self.item(index)}.{name}"
        return f"{self.item(index)}: {name}"


class TermMatch:
    def __init__(
        self,
        store: ListStore,
        *,
        max_text_chars: int,
        on_swap: Callable[[Sequence[TermList]], None] = lambda lists: None,
    ) -> None:
        """`on_swap` hears of every list served after each swap (for metrics)."""
        self._store = store
        self._max_text_chars = max_text_chars
        self._on_swap = on_swap
        # Replaced as a whole, never mutated: a match takes one reference and keeps a
        # consistent view of every list however edits interleave.
        self._compiled = CompiledLists(())
        # Replaced versions are freed in steps, so that freeing one does not stall matches.
        self._reaper = Reaper()
        # Edits are read-modify-write on a list's latest version; one at a time.
        self._edit_lock = threading.Lock()
        # Compiling and swapping: edits and refreshes build on the newest compiled lists.
        self._swap_lock = threading.Lock()

    def load(self) -> None:
        with self._swap_lock:
            self._swap(CompiledLists(self._store.latest()))
        # After the read: what an older replica writes later is a newer version, which
        # refresh() completes.
        self._store.complete()

    def refresh(self) -> bool:
        """Compiles and swaps in every version stored since the last look (by this or
        another replica); True when something changed."""
        heads = self._store.heads()
        compiled = self._compiled.lists
        if heads == {list_id: t.version for list_id, t in compiled.items()}:
            return False
        with self._swap_lock:
            current = self._compiled
            stale = [
                list_id
                for list_id, version in heads.items()
                if list_id not in current.lists or current.lists[list_id].version < version
            ]
            if not stale:
                return False
            self._store.complete(
                {
                    list_id: current.lists[list_id].version if list_id in current.lists else 0
                    for list_id in stale
                }
            )
            # A list this replica serves is read as what changed since (a few rows
            # after an edit of a long list); a list new to it, whole.
            known = [current.lists[list_id] for list_id in stale if list_id in current.lists]
            fresh = {t.list_id: t for t in self._store.latest(set(stale) - current.lists.keys())}
            for term_list in known:
                newer = self._store.newer(term_list)
                if newer is not None:
                    fresh[newer.list_id] = newer
            self._swap(CompiledLists({**current.lists, **fresh}.values(), current))
        return True

    def _swap(self, compiled: CompiledLists) -> None:
        replaced, self._compiled = self._compiled, compiled
        self._reaper.retire(replaced)
        self._on_swap(list(compiled.lists.values()))

    # Reading lists.

    def list_lists(self) -> list[TermList]:
        """Every list at its latest version, ordered by list id."""
        lists = self._compiled.lists
        return [lists[list_id] for list_id in sorted(lists)]

    def get_list(self, list_id: str, version: int | None = None) -> TermList:
        """A list at its latest version, or at any earlier `version` (hits name one)."""
        latest = self._latest(list_id)
        if version is None or version == latest.version:
            return latest
        found = self._store.get(list_id, version) if 0 < version < latest.version else None
        if found is None:
            raise NotFound(
                f"term list {list_id!r} has no version {version} (latest is {latest.version})",
                field="version",
            )
        return found

    # Editing lists: every edit stores a new version, then swaps in its matcher.

    def create_list(
        self, list_id: str, settings: ListSettings, terms: Sequence[TermDraft], *, actor: str
    ) -> TermList:
        if not LIST_ID_PATTERN.fullmatch(list_id):
            raise InvalidArgument(
                f"list_id {list_id!r} is not valid: use 1 to 64 lowercase letters, digits, "
                "'-' and '_', starting with a letter or digit",
                field="list_id",
            )
        _check_settings(settings)
        now = datetime.now(UTC)
        with self._edit_lock:
            added = _validate_terms(list_id, (), terms, Normalizer(settings.flags), "add")
            created = TermList(list_id, 1, settings, tuple(added), now, now)
            return self._commit(ListChange(created, added), "list.created", actor).term_list

    def update_list(self, list_id: str, settings: ListSettings, *, actor: str) -> TermList:
        """Replaces a list's name, description, flags, exceptions and window."""
        _check_settings(settings)
        with self._edit_lock:
            current = self._current(list_id)
            if settings.flags != current.settings.flags:
                # Two terms may fold to the same key under the new flags.
                _validate_terms(
                    list_id, (), _drafts(current.terms), Normalizer(settings.flags), "add"
                )
            change = ListChange(self._next(current, current.terms, settings))
            return self._commit(change, "list.updated", actor).term_list

    def add_terms(self, list_id: str, terms: Sequence[TermDraft], *, actor: str) -> ListChange:
        """Adds terms at the end of the list; the change holds them as stored."""
        if not terms:
            raise InvalidArgument("give at least one term to add", field="terms")
        return self._upsert(list_id, terms, "add", actor)

    def update_terms(self, list_id: str, terms: Sequence[TermDraft], *, actor: str) -> ListChange:
        """Replaces terms by id; each keeps its place in the list. The change holds them
        as stored."""
        if not terms:
            raise InvalidArgument("give at least one term to update", field="terms")
        return self._upsert(list_id, terms, "update", actor)

    def remove_terms(self, list_id: str, term_ids: Sequence[str], *, actor: str) -> ListChange:
        if not term_ids:
            raise InvalidArgument("give at least one term id to remove", field="term_ids")
        with self._edit_lock:
            current = self._current(list_id)
            known = {term.term_id for term in current.terms}
            for index, term_id in enumerate(term_ids):
                if term_id not in known:
                    raise NotFound(
                        f"term {term_id!r} not found in list {list_id!r}",
                        field=f"term_ids[{index}]",
                    )
            removed = set(term_ids)
            remaining = tuple(term for term in current.terms if term.term_id not in removed)
            return self._commit(
                ListChange(self._next(current, remaining, current.settings), removed=removed),
                "terms.removed",
                actor,
            )

    def import_terms(
        self, list_id: str, rows: Iterable[tuple[int, TermDraft]], *, replace_all: bool, actor: str
    ) -> TermList:
        """One new version from a bulk file's rows (line number, term), all or nothing.

        Rows whose term id the list has replace that term; the others are added. With
        `replace_all` the rows are the whole list afterwards.
        """
        lines: list[int] = []
        drafts: list[TermDraft] = []
        for line, draft in rows:
            lines.append(line)
            drafts.append(draft)
        mode = "replace" if replace_all else "upsert"
        return self._upsert(list_id, drafts, mode, actor, _Labels(lines)).term_list

    def _upsert(
        self,
        list_id: str,
        drafts: Sequence[TermDraft],
        mode: str,
        actor: str,
        labels: _Labels = _Labels(),
    ) -> ListChange:
        with self._edit_lock:
            current = self._current(list_id)
            base = () if mode == "replace" else current.terms
            normalizer = Normalizer(current.settings.flags)
            compiled = self._compiled
            changed = _validate_terms(
                list_id,
                base,
                drafts,
                normalizer,
                mode,
                labels,
                lambda kind, key: compiled.term_with_key(list_id, kind, key) if base else None,
            )
            by_id = {term.term_id: term for term in changed}
            kept = [by_id.pop(t.term_id, t) for t in base]
            terms = (*kept, *by_id.values())
            replaced = {t.term_id for t in base} & {t.term_id for t in changed}
            return self._commit(
                ListChange(
                    self._next(current, terms, current.settings),
                    added=changed,
                    removed=replaced,
                    remove_all=mode == "replace",
                ),
                _UPSERT_EVENTS[mode],
                actor,
            )

    # Matching.

    def match_text(
        self, text: str, list_ids: Sequence[str] = (), capture_time: datetime | None = None
    ) -> MatchResult:
        """Finds the terms of `list_ids` (empty: every list) in `text`, with the lists and
        terms whose windows contain `capture_time` (default: now)."""
        self._check_text(text, "text")
        hits, consulted = self._find(text, list_ids, capture_time)
        return MatchResult(text, hits, consulted)

    def match_words(
        self,
        words: Sequence[Word],
        list_ids: Sequence[str] = (),
        capture_time: datetime | None = None,
    ) -> MatchResult:
        """Like match_text, on the words joined by single spaces; hits also say which
        words they cover and when."""
        # Transcribers put spaces around words (" free"); punctuation stays, as matching
        # skips it anyway and the joined text should read like the speech.
        texts = [word.text.strip() for word in words]
        text = " ".join(texts)
        self._check_text(text, "words")
        word_starts: list[int] = []
        position = 0
        for word_text in texts:
            word_starts.append(position)
            position += len(word_text) + 1
        hits, consulted = self._find(text, list_ids, capture_time)
        timed = []
        for hit in hits:
            first = bisect.bisect_right(word_starts, hit.start) - 1
            last = bisect.bisect_right(word_starts, hit.end - 1) - 1
            timed.append(
                replace(
                    hit,
                    word_start_index=first,
                    word_end_index=last,
                    time_range=TimeRange(words[first].start_seconds, words[last].end_seconds),
                )
            )
        return MatchResult(text, timed, consulted)

    def _find(
        self, text: str, list_ids: Sequence[str], capture_time: datetime | None
    ) -> tuple[list[Hit], list[TermList]]:
        compiled = self._compiled
        at = capture_time or datetime.now(UTC)
        if len(list_ids) > MAX_MATCH_LISTS:
            raise InvalidArgument(
                f"list_ids names {len(list_ids)} lists, over the limit of {MAX_MATCH_LISTS}",
                field="list_ids",
            )
        for index, list_id in enumerate(list_ids):
            if list_id not in compiled.lists:
                raise NotFound(f"term list {list_id!r} not found", field=f"list_ids[{index}]")
        wanted = list(dict.fromkeys(list_ids)) if list_ids else sorted(compiled.lists)
        active = [i for i in wanted if compiled.lists[i].settings.window.contains(at)]
        hits = [
            Hit(
                term=found.term,
                list_id=found.list_id,
                list_version=compiled.lists[found.list_id].version,
                start=found.start,
                end=found.end,
                matched_text=text[found.start : found.end],
                sound_confidence=found.sound_confidence,
            )
            for found in compiled.find(text, active, at)
        ]
        return hits, [compiled.lists[list_id] for list_id in active]

    def _check_text(self, text: str, field: str) -> None:
        if len(text) > self._max_text_chars:
            raise ResourceExhausted(
                f"{field} is {len(text)} characters, over the limit of "
                f"{self._max_text_chars} characters",
                field=field,
            )
        surrogate = _lone_surrogate(text)
        if surrogate is not None:
            raise InvalidArgument(
                f"{field} has a lone surrogate code point at position {surrogate}; "
                "send valid Unicode text",
                field=field,
            )

    def _latest(self, list_id: str) -> TermList:
        if not list_id:
            raise InvalidArgument("list_id is required", field="list_id")
        term_list = self._compiled.lists.get(list_id)
        if term_list is None:
            raise NotFound(f"term list {list_id!r} not found", field="list_id")
        return term_list

    def _current(self, list_id: str) -> TermList:
        """The latest version for an edit, read again if another replica moved it on."""
        cached = self._compiled.lists.get(list_id)
        if cached is not None and self._store.heads().get(list_id, 0) <= cached.version:
            return cached
        self.refresh()
        return self._latest(list_id)

    @staticmethod
    def _next(current: TermList, terms: Sequence[Term], settings: ListSettings) -> TermList:
        return replace(
            current,
            version=current.version + 1,
            settings=settings,
            terms=tuple(terms),
            updated_at=datetime.now(UTC),
        )

    def _commit(self, change: ListChange, event: str, actor: str) -> ListChange:
        """Stores the change with its audit entry (the event, by the actor), then serves it."""
        term_list = change.term_list
        with self._swap_lock:
            # Compiled before storing, so that a stored version is always one we can serve.
            current = self._compiled
            compiled = CompiledLists(
                {**current.lists, term_list.list_id: term_list}.values(), current
            )
            self._store.append(change, event, actor)
            self._swap(compiled)
        return change


#: The audit log's name for each kind of upsert.
_UPSERT_EVENTS = {
    "add": "terms.added",
    "update": "terms.updated",
    "upsert": "terms.imported",
    "replace": "terms.imported",
}


def _drafts(terms: Iterable[Term]) -> list[TermDraft]:
    return [
        TermDraft(t.text, t.severity, t.category, t.term_id, t.kind, t.locale, t.note, t.window)
        for t in terms
    ]


def _lone_surrogate(text: str) -> int | None:
    # A str from JSON can hold one ("\ud800"); protobuf and SQL cannot store it.
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        return error.start
    return None


def _check_settings(settings: ListSettings) -> None:
    _check_window(settings.window, "")
    if len(settings.exceptions) > MAX_EXCEPTIONS:
        raise InvalidArgument(
            f"a list has at most {MAX_EXCEPTIONS} exceptions (got {len(settings.exceptions)})",
            field="exceptions",
        )
    normalizer = Normalizer(settings.flags)
    for index, phrase in enumerate(settings.exceptions):
        field = f"exceptions[{index}]"
        _check_plain_text(phrase.strip(), field, field)
        if not normalizer.key(phrase).strip():
            raise InvalidArgument(
                f"{field} {phrase!r} has no word to match: it needs a letter or digit",
                field=field,
            )


def _check_window(window: Window, prefix: str) -> None:
    if (
        window.active_from is not None
        and window.active_until is not None
        and window.active_until <= window.active_from
    ):
        raise InvalidArgument(
            f"{prefix}active_until ({window.active_until.isoformat()}) must be after "
            f"{prefix}active_from ({window.active_from.isoformat()})",
            field=f"{prefix}active_until",
        )


def _check_plain_text(text: str, field: str, label: str) -> None:
    if not text:
        raise InvalidArgument(f"{label} must not be empty or blank", field=field)
    if len(text) > MAX_TERM_CHARS:
        raise InvalidArgument(
            f"{label} is {len(text)} characters, over the limit of {MAX_TERM_CHARS}",
            field=field,
        )
    surrogate = _lone_surrogate(text)
    if surrogate is not None:
        raise InvalidArgument(
            f"{label} has a lone surrogate code point at position {surrogate}", field=field
        )
    if any(unicodedata.category(char) == "Cc" for char in text):
        raise InvalidArgument(f"{label} must not contain control characters", field=field)


def _validate_terms(
    list_id: str,
    base: Sequence[Term],
    drafts: Sequence[TermDraft],
    normalizer: Normalizer,
    mode: str,
    labels: _Labels = _Labels(),
    find_base: Callable[[TermKind, str], Term | None] | None = None,
) -> list[Term]:
    """Checks drafts against each other and the list's other terms; assigns missing ids.

    mode: "add" (ids must be new), "update" (ids must exist), "upsert" (either) or
    "replace" (`base` is empty: the drafts are the whole list). Two terms of one kind
    with the same key would always hit together, so texts are compared as the list's
    flags see them: "Gift-Card" duplicates "gift card". `find_base` finds the term of
    `base` with an identity (kind, key) in the compiled list, instead of normalising all.
    """
    existing = {term.term_id: term for term in base}
    replaced = {d.term_id for d in drafts if d.term_id in existing}
    id_owner: dict[str, str] = {term_id: f"list {list_id!r}" for term_id in existing}

    if find_base is None:
        by_identity = {
            (t.kind, t.text if t.kind == TermKind.REGEX else key_of(normalizer, t.text, t.kind)): t
            for t in base
        }

        def find_base(kind: TermKind, key: str) -> Term | None:
            return by_identity.get((kind, key))

    # Identities taken by the drafts checked so far.
    key_owner: dict[tuple[TermKind, str], str] = {}
    checked: list[tuple[int, TermDraft, str, TermKind, tuple[TermKind, str]]] = []
    for index, draft in enumerate(drafts):
        text_field = labels.field(index, "text")
        text = draft.text.strip()
        _check_plain_text(text, text_field, labels.message(index, "text"))
        kind = _check_kind(draft.kind, labels, index)
        identity = _check_match_text(text, kind, normalizer, labels, index)
        if draft.severity not in {s.value for s in Severity if s}:
            got = (
                "SEVERITY_UNSPECIFIED" if draft.severity == Severity.UNSPECIFIED else draft.severity
            )
            raise InvalidArgument(
                f"{labels.message(index, 'severity')} must be one of {_ALLOWED_SEVERITIES} "
                f"(got {got})",
                field=labels.field(index, "severity"),
            )
        _check_window(draft.window, f"{labels.message(index, '')}")
        owner = key_owner.get(identity)
        if owner is None:
            same = find_base(*identity)
            if same is not None and same.term_id not in replaced:
                owner = f"term {same.term_id!r}"
        if owner is not None:
            raise InvalidArgument(
                f"{labels.message(index, 'text')} {text!r} is the same "
                f"{'pattern' if kind == TermKind.REGEX else 'phrase'} as {owner}",
                field=text_field,
            )
        key_owner[identity] = labels.item(index)
        _check_id(draft.term_id, existing, id_owner, mode, labels, index, list_id)
        checked.append((index, draft, text, kind, identity))
    # Derived ids are assigned once every explicit id is known, so that they can
    # never take an id an operator chose further down the request.
    terms = []
    for index, draft, text, kind, _ in checked:
        term_id = draft.term_id or _unique_slug(text, kind, id_owner)
        id_owner[term_id] = labels.item(index)
        terms.append(
            Term(
                term_id,
                text,
                Severity(draft.severity),
                draft.category,
                kind,
                draft.locale,
                draft.note,
                draft.window,
            )
        )
    return terms


def _check_kind(kind: int, labels: _Labels, index: int) -> TermKind:
    if kind == TermKind.UNSPECIFIED:
        return TermKind.WORD
    if kind not in {k.value for k in TermKind}:
        raise InvalidArgument(
            f"{labels.message(index, 'kind')} must be one of {_ALLOWED_KINDS} (got {kind})",
            field=labels.field(index, "kind"),
        )
    return TermKind(kind)


def _check_match_text(
    text: str, kind: TermKind, normalizer: Normalizer, labels: _Labels, index: int
) -> tuple[TermKind, str]:
    field = labels.field(index, "text")
    label = labels.message(index, "text")
    if kind == TermKind.REGEX:
        try:
            compile_pattern(text)
        except InvalidPattern as error:
            raise InvalidArgument(
                f"{label} {text!r} is not a pattern RE2 accepts: {error}", field=field
            ) from None
        return kind, text
    key = key_of(normalizer, text, kind)
    if not key:
        raise InvalidArgument(
            f"{label} {text!r} has no word to match: it needs a letter or digit", field=field
        )
    return kind, key


def _check_id(
    term_id: str,
    existing: dict[str, Term],
    id_owner: dict[str, str],
    mode: str,
    labels: _Labels,
    index: int,
    list_id: str,
) -> None:
    field = labels.field(index, "term_id")
    label = labels.message(index, "term_id")
    if not term_id:
        if mode == "update":
            raise InvalidArgument(f"{label} is required to update a term", field=field)
        return
    if len(term_id) > MAX_TERM_ID_CHARS:
        raise InvalidArgument(
            f"{label} is {len(term_id)} characters, over the limit of {MAX_TERM_ID_CHARS}",
            field=field,
        )
    if any(char.isspace() or unicodedata.category(char) == "Cc" for char in term_id):
        raise InvalidArgument(
            f"{label} {term_id!r} must not contain whitespace or control characters",
            field=field,
        )
    if mode == "update" and term_id not in existing:
        raise NotFound(f"term {term_id!r} not found in list {list_id!r}", field=field)
    owner = id_owner.get(term_id)
    # Existing ids are owned by the list; a request may replace each once (not in "add").
    used_in_request = owner is not None and not owner.startswith("list ")
    if used_in_request or (owner is not None and mode == "add"):
        raise InvalidArgument(f"{label} {term_id!r} is already used in {owner}", field=field)
    id_owner[term_id] = labels.item(index)


def _unique_slug(text: str, kind: TermKind, taken: dict[str, str]) -> str:
    words = _ID_WORDS.key(text).split() if kind != TermKind.REGEX else ["pattern"]
    base = "-".join(words)[:MAX_TERM_ID_CHARS].rstrip("-") or "term"
    candidate, counter = base, 1
    while candidate in taken:
        counter += 1
        suffix = f"-{counter}"
        candidate = base[: MAX_TERM_ID_CHARS - len(suffix)].rstrip("-") + suffix
    return candidate
