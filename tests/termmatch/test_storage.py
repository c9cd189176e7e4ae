"""Every edit stores a new immutable list version, readable for as long as hits name it."""

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from modmesh.common.evidence import Severity
from modmesh.runtime.errors import AlreadyExists, FailedPrecondition
from modmesh.termmatch.model import Term, TermList
from modmesh.termmatch.storage import SqlListStore

NOW = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
GIFT = Term("gift-card", "gift card", Severity.HIGH, "scam")
ACT = Term("act-now", "act now", Severity.LOW, "spam")


def first_version(list_id: str = "scams") -> TermList:
    return TermList(list_id, "Scams", "for tests", 1, (GIFT,), NOW, NOW)


@pytest.fixture
def store(database_url: str) -> Iterator[SqlListStore]:
    store = SqlListStore(database_url)
    yield store
    store.close()


def test_each_version_is_a_new_row_and_old_versions_stay_readable(store: SqlListStore) -> None:
    v1 = first_version()
    v2 = replace(v1, version=2, terms=(GIFT, ACT))
    v3 = replace(v1, version=3, terms=(ACT,))
    for version in (v1, v2, v3):
        store.append(version)
    assert store.latest() == [v3]
    assert store.get("scams", 1) == v1
    assert store.get("scams", 2) == v2
    assert store.get("scams", 4) is None


def test_latest_lists_every_list_at_its_newest_version(store: SqlListStore) -> None:
    store.append(first_version("b-list"))
    store.append(first_version("a-list"))
    store.append(replace(first_version("a-list"), version=2, terms=()))
    assert [(t.list_id, t.version) for t in store.latest()] == [("a-list", 2), ("b-list", 1)]


def test_a_version_cannot_be_written_twice(store: SqlListStore) -> None:
    store.append(first_version())
    with pytest.raises(AlreadyExists, match="'scams' already exists"):
        store.append(first_version())
    store.append(replace(first_version(), version=2))
    with pytest.raises(FailedPrecondition, match="edited concurrently"):
        store.append(replace(first_version(), version=2))


def test_lists_survive_reopening_the_database(database_url: str) -> None:
    first = SqlListStore(database_url)
    first.append(first_version())
    first.append(replace(first_version(), version=2, terms=(GIFT, ACT)))
    first.close()
    reopened = SqlListStore(database_url)
    assert reopened.latest() == [replace(first_version(), version=2, terms=(GIFT, ACT))]
    assert reopened.get("scams", 1) == first_version()
    reopened.close()
