"""Browsing a list a page at a time, as the reviewers' console does: its terms that contain
a query, its versions, and what changed between two of them.

Pages are read from the database (see history), not from the lists this replica holds
compiled, so any replica answers any page. A page token is opaque to the caller but not
secret: it says where the last page stopped and which request it continues, and a
token for another list, query or pair of versions is refused rather than continuing
something else. A search's first page fixes the version it reads (0: the newest then),
so that an edit between two pages neither skips a term nor shows one twice.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import unicodedata
from dataclasses import dataclass

from modmesh.runtime.errors import InvalidArgument, NotFound
from modmesh.termmatch.core import LIST_ID_PATTERN
from modmesh.termmatch.domain import ListVersion, Term, TermChange
from modmesh.termmatch.folding import fold
from modmesh.termmatch.history import ListHistory

#: Items per page when the request names no size, and the most a page holds (a larger
#: size is served as this many, as google.aip.dev/158 asks).
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
#: Longest query: a term has at most 200 characters, its id 64.
MAX_QUERY_CHARS = 300


@dataclass(frozen=True)
class TermPage:
    #: The version searched (the newest when the first page asked for 0).
    version: int
    terms: list[Term]
    #: Empty on the last page.
    next_page_token: str


@dataclass(frozen=True)
class VersionPage:
    #: Newest first.
    versions: list[ListVersion]
    next_page_token: str


@dataclass(frozen=True)
class ChangePage:
    from_version: int
    #: The version compared with (the newest when the first page asked for 0).
    to_version: int
    changes: list[TermChange]
    next_page_token: str


class ListBrowser:
    def __init__(self, history: ListHistory) -> None:
        self._history = history

    def search_terms(
        self, list_id: str, query: str, version: int = 0, page_size: int = 0, page_token: str = ""
    ) -> TermPage:
        """The list's terms at `version` (0: the newest) whose text or id contains
        `query` as folded (see folding), in term id order; an empty query lists them all."""
        if len(query) > MAX_QUERY_CHARS:
            raise InvalidArgument(
                f"query is {len(query)} characters, over the limit of {MAX_QUERY_CHARS}",
                field="query",
            )
        needle = fold(query)
        size = _page_size(page_size)
        head = self._head(list_id)
        digest = hashlib.sha256(needle.encode()).hexdigest()[:16]
        after = ""
        if page_token:
            version, after = _continue(page_token, "search", list_id, head, (digest,), version)
        else:
            version = _version(list_id, version, head, "version")
        terms = self._history.search(list_id, version, needle, after, size + 1)
        more = len(terms) > size
        terms = terms[:size]
        token = _token("search", list_id, digest, version, terms[-1].term_id) if more else ""
        return TermPage(version, terms, token)

    def list_versions(self, list_id: str, page_size: int = 0, page_token: str = "") -> VersionPage:
        """The list's versions, newest first."""
        size = _page_size(page_size)
        head = self._head(list_id)
        before = head + 1
        if page_token:
            before, _ = _continue(page_token, "versions", list_id, head, (), 0)
        versions = self._history.versions(list_id, before, size + 1)
        more = len(versions) > size
        versions = versions[:size]
        token = _token("versions", list_id, versions[-1].version, "") if more else ""
        return VersionPage(versions, token)

    def compare_versions(
        self,
        list_id: str,
        from_version: int,
        to_version: int = 0,
        page_size: int = 0,
        page_token: str = "",
    ) -> ChangePage:
        """The terms added, removed and changed from `from_version` to `to_version`
        (0: the newest), in term id order."""
        size = _page_size(page_size)
        head = self._head(list_id)
        if from_version < 1:
            raise InvalidArgument(
                "from_version is required: the version to compare from (1 or more)",
                field="from_version",
            )
        from_version = _version(list_id, from_version, head, "from_version")
        after = ""
        if page_token:
            to_version, after = _continue(
                page_token, "changes", list_id, head, (from_version,), to_version
            )
        else:
            to_version = _version(list_id, to_version, head, "to_version")
        if from_version > to_version:
            raise InvalidArgument(
                f"from_version {from_version} is after to_version {to_version}: compare an "
                "older version with a newer one",
                field="from_version",
            )
        changes = self._history.changes(list_id, from_version, to_version, after, size + 1)
        more = len(changes) > size
        changes = changes[:size]
        token = (
            _token("changes", list_id, from_version, to_version, changes[-1].term_id)
            if more
            else ""
        )
        return ChangePage(from_version, to_version, changes, token)

    def _head(self, list_id: str) -> int:
        if not list_id:
            raise InvalidArgument("list_id is required", field="list_id")
        # An id no list can have is not looked up (nor is a NUL sent to PostgreSQL).
        head = self._history.head(list_id) if LIST_ID_PATTERN.fullmatch(list_id) else None
        if head is None:
            raise NotFound(f"term list {list_id!r} not found", field="list_id")
        return head


def _page_size(page_size: int) -> int:
    if page_size < 0:
        raise InvalidArgument(
            f"page_size must not be negative (got {page_size}); 0 means {DEFAULT_PAGE_SIZE}",
            field="page_size",
        )
    return min(page_size or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)


def _version(list_id: str, version: int, head: int, field: str) -> int:
    """A version the request names: 0 is the newest."""
    if version < 0:
        raise InvalidArgument(
            f"{field} must not be negative (got {version}); 0 means the newest", field=field
        )
    if version > head:
        raise NotFound(
            f"term list {list_id!r} has no version {version} (latest is {head})", field=field
        )
    return version or head


def _storable(text: str) -> bool:
    """Whether a term id read from a token can be sent to the database: no control
    character (PostgreSQL refuses NUL) and no lone surrogate (JSON may carry one)."""
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return not any(unicodedata.category(char) == "Cc" for char in text)


def _token(kind: str, list_id: str, *fields: str | int) -> str:
    text = json.dumps([kind, list_id, *fields], separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _continue(
    token: str,
    kind: str,
    list_id: str,
    head: int,
    same: tuple[str | int, ...],
    version: int,
) -> tuple[int, str]:
    """The (version, last id) a page token continues from; refused unless it is a `kind`
    token for this list whose fields start with `same`, and `version` is 0 or its own."""
    try:
        fields = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (ValueError, binascii.Error):
        fields = None
    expected = len(same) + 4
    if (
        not isinstance(fields, list)
        or len(fields) != expected
        or not isinstance(fields[-2], int)
        or not isinstance(fields[-1], str)
        or not _storable(fields[-1])
        or not 1 <= fields[-2] <= head + 1
    ):
        raise InvalidArgument(
            "page_token is not one this service gave: pass the next_page_token of the last "
            "page unchanged, or none to start from the first page",
            field="page_token",
        )
    if fields[: expected - 2] != [kind, list_id, *same] or version not in (0, fields[-2]):
        raise InvalidArgument(
            "page_token continues another request (another list, query or version): ask "
            "for the next page as for the first, or leave page_token empty to start again",
            field="page_token",
        )
    return fields[-2], fields[-1]
