"""Every edit stores a new immutable list version, readable for as long as hits name it.
Versions are stored as changes, so an edit of one term in a long list writes one row."""

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from modmesh.contracts.evidence import Severity
from modmesh.runtime.errors import AlreadyExists, FailedPrecondition
from modmesh.termmatch.domain import Flags, ListSettings, Term, TermKind, TermList, Window
from modmesh.termmatch.store import ListChange, SqlListStore
from tests.support import AUDIT_KEY

NOW = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
GIFT = Term("gift-card", "gift card", Severity.HIGH, "scam")
ACT = Term("act-now", "act now", Severity.LOW, "spam")
SETTINGS = ListSettings("Scams", "for tests")


def first_version(list_id: str = "scams", terms: tuple[Term, ...] = (GIFT,)) -> TermList:
    return TermList(list_id, 1, SETTINGS, terms, NOW, NOW)


def created(term_list: TermList) -> ListChange:
    return ListChange(term_list, added=term_list.terms)


@pytest.fixture
def store(database_url: str) -> Iterator[SqlListStore]:
    store = SqlListStore(database_url, audit_key=AUDIT_KEY)
    yield store
    store.close()


def test_each_version_is_readable_as_it_was_after_later_edits(store: SqlListStore) -> None:
    v1 = first_version()
    v2 = replace(v1, version=2, terms=(GIFT, ACT))
    v3 = replace(v1, version=3, terms=(ACT,))
    store.append(created(v1), "list.edited", "admin-1")
    store.append(ListChange(v2, added=[ACT]), "list.edited", "admin-1")
    store.append(ListChange(v3, removed={"gift-card"}), "list.edited", "admin-1")
    assert store.latest() == [v3]
    assert store.get("scams", 1) == v1
    assert store.get("scams", 2) == v2
    assert store.get("scams", 4) is None
    assert store.heads() == {"scams": 3}


def test_an_updated_term_keeps_its_place_and_the_old_text_stays_in_its_version(
    store: SqlListStore,
) -> None:
    v1 = first_version(terms=(GIFT, ACT))
    new_gift = replace(GIFT, text="gift cards", severity=Severity.CRITICAL)
    v2 = replace(v1, version=2, terms=(new_gift, ACT))
    store.append(created(v1), "list.edited", "admin-1")
    store.append(ListChange(v2, added=[new_gift], removed={"gift-card"}), "list.edited", "admin-1")
    assert store.latest() == [v2]
    assert store.get("scams", 1) == v1


def test_every_term_field_and_list_setting_round_trips(store: SqlListStore) -> None:
    window = Window(NOW, NOW + timedelta(days=7))
    term = Term("p", "fr[e]+", Severity.MEDIUM, "spam", TermKind.REGEX, "en-GB", "why", window)
    settings = ListSettings("S", "d", Flags.all(), ("scunthorpe",), Window(None, NOW))
    term_list = TermList("full", 1, settings, (term,), NOW, NOW)
    store.append(created(term_list), "list.edited", "admin-1")
    assert store.latest(["full"]) == [term_list]


def test_replacing_the_whole_list_ends_every_current_term(store: SqlListStore) -> None:
    v1 = first_version(terms=(GIFT, ACT))
    v2 = replace(v1, version=2, terms=(ACT,))
    store.append(created(v1), "list.edited", "admin-1")
    store.append(ListChange(v2, added=[ACT], remove_all=True), "list.edited", "admin-1")
    assert store.latest() == [v2]
    assert store.get("scams", 1) == v1


def test_latest_lists_every_list_at_its_newest_version(store: SqlListStore) -> None:
    store.append(created(first_version("b-list")), "list.edited", "admin-1")
    store.append(created(first_version("a-list")), "list.edited", "admin-1")
    store.append(
        ListChange(replace(first_version("a-list"), version=2, terms=()), removed={"gift-card"}),
        "list.edited",
        "admin-1",
    )
    assert [(t.list_id, t.version) for t in store.latest()] == [("a-list", 2), ("b-list", 1)]
    assert [t.list_id for t in store.latest(["b-list", "ghost"])] == ["b-list"]


def test_a_version_cannot_be_written_twice_and_a_refused_one_changes_nothing(
    store: SqlListStore,
) -> None:
    store.append(created(first_version()), "list.edited", "admin-1")
    with pytest.raises(AlreadyExists, match="'scams' already exists"):
        store.append(created(first_version()), "list.edited", "admin-1")
    store.append(
        ListChange(replace(first_version(), version=2, terms=(GIFT, ACT)), added=[ACT]),
        "list.edited",
        "admin-1",
    )
    with pytest.raises(FailedPrecondition, match="edited concurrently"):
        store.append(
            ListChange(replace(first_version(), version=2, terms=()), remove_all=True),
            "list.edited",
            "admin-1",
        )
    assert store.latest()[0].terms == (GIFT, ACT)


def test_a_replica_reads_what_changed_since_its_version_and_keeps_the_rest(
    store: SqlListStore,
) -> None:
    """newer() reads only the rows that began or ended after the version a replica
    serves, over any number of versions, and gives the list a full read gives; the terms
    that did not change stay the replica's objects (its matcher applies edits by them)."""
    win = Term("win", "win cash", Severity.LOW, "spam")
    v1 = first_version(terms=(GIFT, ACT, win))
    store.append(created(v1), "list.edited", "admin-1")
    served = store.latest()[0]
    gift_v2 = replace(GIFT, text="gift cards")  # updated in place
    edits = [
        ListChange(replace(v1, version=2, terms=(gift_v2, ACT, win)), [gift_v2], {"gift-card"}),
        ListChange(replace(v1, version=3, terms=(gift_v2, win)), removed={"act-now"}),
        ListChange(replace(v1, version=4, terms=(gift_v2, win, ACT)), added=[ACT]),  # back, last
        ListChange(
            replace(v1, version=5, terms=(gift_v2, win, ACT), settings=replace(SETTINGS, name="R"))
        ),
    ]
    store.append(edits[0], "list.edited", "admin-1")
    assert store.newer(served) == store.latest()[0]
    for edit in edits[1:]:
        store.append(edit, "list.edited", "admin-1")
    newest = store.newer(served)  # from version 1 to 5 at once
    assert newest == store.latest()[0] == edits[-1].term_list
    assert newest is not None
    assert newest.terms[1] is served.terms[2]  # "win": not read again
    assert store.newer(newest) is newest
    store.append(
        ListChange(replace(v1, version=6, terms=(ACT,)), added=[ACT], remove_all=True),
        "list.edited",
        "admin-1",
    )
    assert store.newer(newest) == store.latest()[0]
    assert store.newer(first_version("ghost")) is None


def test_lists_survive_reopening_the_database(database_url: str) -> None:
    first = SqlListStore(database_url, audit_key=AUDIT_KEY)
    first.append(created(first_version()), "list.edited", "admin-1")
    first.append(
        ListChange(replace(first_version(), version=2, terms=(GIFT, ACT)), added=[ACT]),
        "list.edited",
        "admin-1",
    )
    first.close()
    reopened = SqlListStore(database_url, audit_key=AUDIT_KEY)
    assert reopened.latest() == [replace(first_version(), version=2, terms=(GIFT, ACT))]
    assert reopened.get("scams", 1) == first_version()
    reopened.close()
