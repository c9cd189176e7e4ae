"""The termmatch domain core: validating and editing versioned lists, and matching.

No gRPC here: the servicer translates messages, and the errors raised below reach
the caller as statuses through the runtime's error interceptor. Methods are blocking
(storage and matching are CPU or I/O bound) and safe to call from several threads.
"""

from __future__ import annotations

import bisect
import re
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from modmesh.common.evidence import Severity, TimeRange, Word
from modmesh.runtime.errors import InvalidArgument, NotFound, ResourceExhausted
from modmesh.termmatch.matcher import Matcher, MatcherFactory, TokenMatcher
from modmesh.termmatch.model import Hit, MatchResult, Term, TermDraft, TermList
from modmesh.termmatch.normalize import analyze, term_tokens
from modmesh.termmatch.storage import ListStore

LIST_ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
MAX_TERM_CHARS = 200
MAX_TERM_ID_CHARS = 64
_ALLOWED_SEVERITIES = ", ".join(f"SEVERITY_{s.name}" for s in Severity if s)


@dataclass(frozen=True)
class _Compiled:
    term_list: TermList
    matcher: Matcher


class TermMatch:
    def __init__(
        self,
        store: ListStore,
        *,
        max_text_chars: int,
        matcher_factory: MatcherFactory = TokenMatcher,
    ) -> None:
        self._store = store
        self._max_text_chars = max_text_chars
        self._matcher_factory = matcher_factory
        # Replaced as a whole on every edit, never mutated: a match takes one reference
        # and keeps a consistent view of every list however edits interleave.
        self._compiled: dict[str, _Compiled] = {}
        # Edits are read-modify-write on a list's latest version; one at a time.
        self._edit_lock = threading.Lock()

    def load(self) -> None:
        self._compiled = {
            term_list.list_id: self._compile(term_list) for term_list in self._store.latest()
        }

    # Reading lists.

    def list_lists(self) -> list[TermList]:
        """Every list at its latest version, ordered by list id."""
        return [self._compiled[list_id].term_list for list_id in sorted(self._compiled)]

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
        self, list_id: str, name: str, description: str, terms: Sequence[TermDraft]
    ) -> TermList:
        if not LIST_ID_PATTERN.fullmatch(list_id):
            raise InvalidArgument(
                f"list_id {list_id!r} is not valid: use 1 to 64 lowercase letters, digits, "
                "'-' and '_', starting with a letter or digit",
                field="list_id",
            )
        now = datetime.now(UTC)
        with self._edit_lock:
            created = TermList(
                list_id=list_id,
                name=name,
                description=description,
                version=1,
                terms=tuple(_validate_terms(list_id, (), terms)),
                created_at=now,
                updated_at=now,
            )
            return self._commit(created)

    def add_terms(self, list_id: str, terms: Sequence[TermDraft]) -> TermList:
        if not terms:
            raise InvalidArgument("give at least one term to add", field="terms")
        with self._edit_lock:
            current = self._latest(list_id)
            added = _validate_terms(list_id, current.terms, terms)
            return self._commit(self._next_version(current, current.terms + tuple(added)))

    def remove_terms(self, list_id: str, term_ids: Sequence[str]) -> TermList:
        if not term_ids:
            raise InvalidArgument("give at least one term id to remove", field="term_ids")
        with self._edit_lock:
            current = self._latest(list_id)
            known = {term.term_id for term in current.terms}
            for index, term_id in enumerate(term_ids):
                if term_id not in known:
                    raise NotFound(
                        f"term {term_id!r} not found in list {list_id!r}",
                        field=f"term_ids[{index}]",
                    )
            removed = set(term_ids)
            remaining = tuple(term for term in current.terms if term.term_id not in removed)
            return self._commit(self._next_version(current, remaining))

    # Matching.

    def match_text(
        self, text: str, list_ids: Sequence[str] = (), capture_time: datetime | None = None
    ) -> MatchResult:
        """Finds the terms of `list_ids` (empty: every list) in `text`.

        `capture_time` is accepted for the contract's sake, but lists currently apply
        at their latest version: applying them as they stood at capture time needs
        per-version validity windows, which come later.
        """
        self._check_length(text, "text")
        hits, consulted = self._find(text, list_ids)
        return MatchResult(text, hits, consulted)

    def match_words(
        self,
        words: Sequence[Word],
        list_ids: Sequence[str] = (),
        capture_time: datetime | None = None,
    ) -> MatchResult:
        """Like match_text, on the words joined by single spaces; hits also say which
        words they cover and when. `capture_time` is handled as in match_text."""
        # Transcribers put spaces around words (" free"); punctuation stays, as the
        # tokenizer skips it anyway and the joined text should read like the speech.
        texts = [word.text.strip() for word in words]
        text = " ".join(texts)
        self._check_length(text, "words")
        word_starts: list[int] = []
        position = 0
        for word_text in texts:
            word_starts.append(position)
            position += len(word_text) + 1
        hits, consulted = self._find(text, list_ids)
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

    def _find(self, text: str, list_ids: Sequence[str]) -> tuple[list[Hit], list[TermList]]:
        compiled = self._compiled
        if list_ids:
            for index, list_id in enumerate(list_ids):
                if list_id not in compiled:
                    raise NotFound(f"term list {list_id!r} not found", field=f"list_ids[{index}]")
            consulted = [compiled[list_id] for list_id in dict.fromkeys(list_ids)]
        else:
            consulted = [compiled[list_id] for list_id in sorted(compiled)]
        analyzed = analyze(text)
        hits = [
            Hit(
                term=found.term,
                list_id=entry.term_list.list_id,
                list_version=entry.term_list.version,
                start=found.start,
                end=found.end,
                matched_text=text[found.start : found.end],
            )
            for entry in consulted
            for found in entry.matcher.find(analyzed)
        ]
        hits.sort(key=lambda hit: (hit.start, hit.end))
        return hits, [entry.term_list for entry in consulted]

    def _check_length(self, text: str, field: str) -> None:
        if len(text) > self._max_text_chars:
            raise ResourceExhausted(
                f"{field} is {len(text)} characters, over the limit of "
                f"{self._max_text_chars} characters",
                field=field,
            )

    def _latest(self, list_id: str) -> TermList:
        if not list_id:
            raise InvalidArgument("list_id is required", field="list_id")
        entry = self._compiled.get(list_id)
        if entry is None:
            raise NotFound(f"term list {list_id!r} not found", field="list_id")
        return entry.term_list

    @staticmethod
    def _next_version(current: TermList, terms: tuple[Term, ...]) -> TermList:
        return replace(
            current, version=current.version + 1, terms=terms, updated_at=datetime.now(UTC)
        )

    def _compile(self, term_list: TermList) -> _Compiled:
        return _Compiled(term_list, self._matcher_factory(term_list.terms))

    def _commit(self, term_list: TermList) -> TermList:
        # Compiled before storing, so that a stored version is always one we can serve.
        entry = self._compile(term_list)
        self._store.append(term_list)
        self._compiled = {**self._compiled, term_list.list_id: entry}
        return term_list


def _validate_terms(
    list_id: str, existing: Sequence[Term], drafts: Sequence[TermDraft]
) -> list[Term]:
    """Checks new terms against each other and the list; assigns missing ids.

    Two terms with the same tokens would always hit together, so texts are compared
    after normalisation: "Gift-Card" duplicates "gift card".
    """
    id_owner = {term.term_id: f"list {list_id!r}" for term in existing}
    phrase_owner = {term_tokens(term.text): f"term {term.term_id!r}" for term in existing}
    checked: list[tuple[str, TermDraft, str, tuple[str, ...]]] = []
    for index, draft in enumerate(drafts):
        field = f"terms[{index}]"
        text = draft.text.strip()
        tokens = _check_text(text, f"{field}.text")
        if draft.severity not in {s.value for s in Severity if s}:
            got = (
                "SEVERITY_UNSPECIFIED" if draft.severity == Severity.UNSPECIFIED else draft.severity
            )
            raise InvalidArgument(
                f"{field}.severity must be one of {_ALLOWED_SEVERITIES} (got {got})",
                field=f"{field}.severity",
            )
        if tokens in phrase_owner:
            raise InvalidArgument(
                f"{field}.text {text!r} is the same phrase as {phrase_owner[tokens]}",
                field=f"{field}.text",
            )
        phrase_owner[tokens] = field
        if draft.term_id:
            _check_term_id(draft.term_id, f"{field}.term_id")
            if draft.term_id in id_owner:
                raise InvalidArgument(
                    f"{field}.term_id {draft.term_id!r} is already used in "
                    f"{id_owner[draft.term_id]}",
                    field=f"{field}.term_id",
                )
            id_owner[draft.term_id] = field
        checked.append((field, draft, text, tokens))
    # Derived ids are assigned once every explicit id is known, so that they can
    # never take an id an operator chose further down the request.
    terms = []
    for field, draft, text, tokens in checked:
        term_id = draft.term_id or _unique_slug(tokens, id_owner)
        id_owner[term_id] = field
        terms.append(Term(term_id, text, Severity(draft.severity), draft.category))
    return terms


def _check_text(text: str, field: str) -> tuple[str, ...]:
    if not text:
        raise InvalidArgument(f"{field} must not be empty or blank", field=field)
    if len(text) > MAX_TERM_CHARS:
        raise InvalidArgument(
            f"{field} is {len(text)} characters, over the limit of {MAX_TERM_CHARS}",
            field=field,
        )
    if any(unicodedata.category(char) == "Cc" for char in text):
        raise InvalidArgument(f"{field} must not contain control characters", field=field)
    tokens = term_tokens(text)
    if not tokens:
        raise InvalidArgument(
            f"{field} {text!r} has no word to match: it needs a letter or digit", field=field
        )
    return tokens


def _check_term_id(term_id: str, field: str) -> None:
    if len(term_id) > MAX_TERM_ID_CHARS:
        raise InvalidArgument(
            f"{field} is {len(term_id)} characters, over the limit of {MAX_TERM_ID_CHARS}",
            field=field,
        )
    if any(char.isspace() or unicodedata.category(char) == "Cc" for char in term_id):
        raise InvalidArgument(
            f"{field} {term_id!r} must not contain whitespace or control characters",
            field=field,
        )


def _unique_slug(tokens: tuple[str, ...], taken: dict[str, str]) -> str:
    base = "-".join(tokens)[:MAX_TERM_ID_CHARS].rstrip("-")
    candidate, counter = base, 1
    while candidate in taken:
        counter += 1
        suffix = f"-{counter}"
        candidate = base[: MAX_TERM_ID_CHARS - len(suffix)].rstrip("-") + suffix
    return candidate
