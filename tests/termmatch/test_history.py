"""A list's history for the console: its versions (who, when, what kind of edit, how many
terms it added, removed and changed) and the terms two versions disagree on, read from
the rows each edit began and ended, a page at a time, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from modmesh.contracts.evidence import Severity
from modmesh.runtime import audit
from modmesh.runtime.database import open_engine
from modmesh.runtime.errors import InvalidArgument, NotFound
from modmesh.termmatch.browse import ChangePage, ListBrowser
from modmesh.termmatch.core import TermMatch
from modmesh.termmatch.domain import ListEdit, ListSettings, Term, TermChange, TermDraft
from modmesh.termmatch.store import SqlListStore
from modmesh.termmatch.tables import AUDIT_TABLE, TermRow, VersionRow
from tests.support import AUDIT_KEY

GIFT = TermDraft("free gift card", Severity.HIGH, "scam", "gift")
ACT = TermDraft("act now", Severity.LOW, "spam", "act")
WIRE = TermDraft("wire the money", Severity.CRITICAL, "scam", "wire")


@pytest.fixture
def core(database_url: str) -> Iterator[TermMatch]:
    store = SqlListStore(database_url, audit_key=AUDIT_KEY)
    core = TermMatch(store, max_text_chars=1000)
    core.load()
    core.create_list("scams", ListSettings("Scams"), [GIFT, ACT], actor="ana")
    yield core
    store.close()


@pytest.fixture
def browser(core: TermMatch, database_url: str) -> Iterator[ListBrowser]:
    store = SqlListStore(database_url, audit_key=AUDIT_KEY)
    yield ListBrowser(store.history())
    store.close()


def term(draft: TermDraft) -> Term:
    return Term(draft.term_id, draft.text, Severity(draft.severity), draft.category)


def summary(change: TermChange) -> tuple[str, str | None, str | None]:
    def text(found: Term | None) -> str | None:
        return None if found is None else found.text

    return change.term_id, text(change.before), text(change.after)


def every_change(browser: ListBrowser, first: int, last: int, page_size: int) -> list[str]:
    ids: list[str] = []
    page = ChangePage(first, last, [], "")
    while True:
        page = browser.compare_versions(
            "scams", first, last, page_size=page_size, page_token=page.next_page_token
        )
        assert len(page.changes) <= page_size
        ids += [change.term_id for change in page.changes]
        if not page.next_page_token:
            return ids


def test_each_version_says_who_made_it_what_kind_of_edit_and_how_many_terms_it_changed(
    core: TermMatch, browser: ListBrowser
) -> None:
    before = datetime.now(UTC)
    core.add_terms("scams", [WIRE], actor="ben")
    core.update_terms(
        "scams", [TermDraft("free gift cards", Severity.HIGH, "scam", "gift")], actor="cleo"
    )
    # Written again with the same fields: a version, but no term changed.
    core.update_terms("scams", [ACT], actor="cleo")
    core.remove_terms("scams", ["wire"], actor="ben")
    core.update_list("scams", ListSettings("Scams, renamed"), actor="ana")
    core.import_terms("scams", [(2, ACT), (3, WIRE)], replace_all=True, actor="dan")
    core.import_terms("scams", [(2, GIFT)], replace_all=False, actor="dan")

    versions = browser.list_versions("scams").versions
    assert [
        (v.version, v.actor, v.edit, v.terms_added, v.terms_removed, v.terms_changed, v.term_count)
        for v in versions
    ] == [
        (8, "dan", ListEdit.TERMS_IMPORTED, 1, 0, 0, 3),
        # The whole list replaced: gift gone, wire back, act written again unchanged.
        (7, "dan", ListEdit.TERMS_REPLACED, 1, 1, 0, 2),
        (6, "ana", ListEdit.SETTINGS_UPDATED, 0, 0, 0, 2),
        (5, "ben", ListEdit.TERMS_REMOVED, 0, 1, 0, 2),
        (4, "cleo", ListEdit.TERMS_UPDATED, 0, 0, 0, 3),
        (3, "cleo", ListEdit.TERMS_UPDATED, 0, 0, 1, 3),
        (2, "ben", ListEdit.TERMS_ADDED, 1, 0, 0, 3),
        (1, "ana", ListEdit.CREATED, 2, 0, 0, 2),
    ]
    times = [version.created_at for version in versions]
    assert times == sorted(times, reverse=True)
    assert datetime.now(UTC) >= times[0]
    assert times[-2] >= before


def test_versions_are_paged_newest_first(core: TermMatch, browser: ListBrowser) -> None:
    for n in range(6):
        core.add_terms("scams", [TermDraft(f"term {n}", Severity.LOW)], actor="ben")
    seen: list[int] = []
    token = ""
    while True:
        page = browser.list_versions("scams", page_size=3, page_token=token)
        seen += [version.version for version in page.versions]
        token = page.next_page_token
        if not token:
            break
    assert seen == [7, 6, 5, 4, 3, 2, 1]
    unreadable = "not a token"
    with pytest.raises(InvalidArgument, match="page_token is not one this service gave"):
        browser.list_versions("scams", page_token=unreadable)
    with pytest.raises(NotFound, match="term list 'ghost' not found"):
        browser.list_versions("ghost")


def test_a_diff_names_exactly_the_terms_added_removed_and_changed_with_before_and_after(
    core: TermMatch, browser: ListBrowser
) -> None:
    new_gift = TermDraft("free gift cards", Severity.CRITICAL, "scam", "gift")
    core.add_terms("scams", [WIRE], actor="ben")  # 2
    core.update_terms("scams", [new_gift], actor="ben")  # 3
    core.remove_terms("scams", ["act"], actor="ben")  # 4

    diff = browser.compare_versions("scams", 1, 4)
    assert (diff.from_version, diff.to_version, diff.next_page_token) == (1, 4, "")
    assert diff.changes == [
        TermChange("act", before=term(ACT), after=None),
        TermChange("gift", before=term(GIFT), after=term(new_gift)),
        TermChange("wire", before=None, after=term(WIRE)),
    ]
    # One edit at a time, and to the newest version by default.
    assert [summary(c) for c in browser.compare_versions("scams", 2, 3).changes] == [
        ("gift", "free gift card", "free gift cards")
    ]
    assert browser.compare_versions("scams", 3).to_version == 4
    assert browser.compare_versions("scams", 4, 4).changes == []


def test_what_was_undone_within_the_versions_compared_is_no_change(
    core: TermMatch, browser: ListBrowser
) -> None:
    core.remove_terms("scams", ["act"], actor="ben")  # 2
    core.add_terms("scams", [ACT], actor="ben")  # 3: back as it was
    core.add_terms("scams", [WIRE], actor="ben")  # 4
    core.remove_terms("scams", ["wire"], actor="ben")  # 5: gone again
    core.update_terms("scams", [TermDraft("gift", Severity.LOW, "", "gift")], actor="ben")  # 6
    core.update_terms("scams", [GIFT], actor="ben")  # 7: restored
    # Every term written again with the same fields.
    core.import_terms("scams", [(2, GIFT), (3, ACT)], replace_all=True, actor="ben")  # 8

    assert browser.compare_versions("scams", 1, 8).changes == []
    assert browser.compare_versions("scams", 7, 8).changes == []
    assert [summary(c) for c in browser.compare_versions("scams", 1, 2).changes] == [
        ("act", "act now", None)
    ]
    assert [summary(c) for c in browser.compare_versions("scams", 3, 4).changes] == [
        ("wire", None, "wire the money")
    ]


def test_a_large_diff_is_paged_and_every_change_is_on_exactly_one_page(
    core: TermMatch, browser: ListBrowser
) -> None:
    # 40 terms added, gift changed, act kept: 41 changes, in term id order.
    drafts = [TermDraft(f"term {n}", Severity.LOW, term_id=f"t{n:02}") for n in range(40)]
    changed_gift = TermDraft("gift", Severity.LOW, "", "gift")
    rows = [(n, draft) for n, draft in enumerate([ACT, changed_gift, *drafts])]
    core.import_terms("scams", rows, replace_all=True, actor="ben")  # 2
    expected = ["gift", *(f"t{n:02}" for n in range(40))]
    assert every_change(browser, 1, 2, page_size=6) == expected
    assert every_change(browser, 1, 2, page_size=1) == expected
    core.add_terms("scams", [WIRE], actor="ben")  # 3: over several versions
    assert every_change(browser, 1, 3, page_size=7) == [*expected, "wire"]


def test_bad_version_pairs_and_tokens_are_refused_with_a_reason(
    core: TermMatch, browser: ListBrowser
) -> None:
    for n in range(3):
        core.add_terms("scams", [TermDraft(f"term {n}", Severity.LOW)], actor="ben")
    with pytest.raises(InvalidArgument, match="from_version 3 is after to_version 2") as after:
        browser.compare_versions("scams", 3, 2)
    assert after.value.violations[0].field == "from_version"
    with pytest.raises(InvalidArgument, match="from_version is required"):
        browser.compare_versions("scams", 0, 2)
    with pytest.raises(NotFound, match=r"has no version 9 \(latest is 4\)") as missing:
        browser.compare_versions("scams", 1, 9)
    assert missing.value.violations[0].field == "to_version"
    with pytest.raises(NotFound, match="has no version 7"):
        browser.compare_versions("scams", 7)
    token = browser.compare_versions("scams", 1, 4, page_size=1).next_page_token
    assert token
    with pytest.raises(InvalidArgument, match="continues another request"):
        browser.compare_versions("scams", 2, 4, page_token=token)
    with pytest.raises(InvalidArgument, match="continues another request"):
        browser.compare_versions("scams", 1, 3, page_token=token)
    assert browser.compare_versions("scams", 1, page_token=token).to_version == 4


def store_as_the_release_before(database_url: str, version: int, added: TermDraft) -> None:
    """What a replica of the release before this one stores for an edit that adds a term,
    during a rolling update (after revision 0003 ran): the rows without the columns it
    does not know, and its audit entry."""
    engine = open_engine(database_url)
    with engine.begin() as connection:
        previous = connection.execute(
            sa.select(VersionRow.settings, VersionRow.list_created_at).where(
                VersionRow.list_id == "scams", VersionRow.version == version - 1
            )
        ).one()
        connection.execute(
            sa.insert(VersionRow),
            {
                "list_id": "scams",
                "version": version,
                "settings": previous.settings,
                "list_created_at": previous.list_created_at,
                "created_at": datetime.now(UTC),
            },
        )
        connection.execute(
            sa.insert(TermRow),
            {
                "list_id": "scams",
                "term_id": added.term_id,
                "since_version": version,
                "position": 100 + version,
                "text": added.text,
                "kind": "WORD",
                "severity": Severity(added.severity).name,
                "category": added.category,
                "locale": "",
                "note": "",
            },
        )
        details = {"version": version, "added": 1, "removed": 0, "remove_all": False}
        audit.append(
            connection,
            AUDIT_TABLE,
            AUDIT_KEY,
            datetime.now(UTC),
            "old-pod",
            "terms.added",
            "lists/scams",
            details,
        )
    engine.dispose()


def test_versions_a_replica_of_the_release_before_stores_are_completed_by_this_release(
    core: TermMatch, browser: ListBrowser, database_url: str
) -> None:
    """During a rolling update, replicas of the release before keep editing lists after
    this release's migration ran: the replicas of this release fill in what those edits
    lack, when they refresh (version 2) or load (version 3)."""
    store_as_the_release_before(database_url, 2, WIRE)
    assert core.refresh() is True
    store_as_the_release_before(database_url, 3, TermDraft("act fast", Severity.LOW, "", "fast"))
    store = SqlListStore(database_url, audit_key=AUDIT_KEY)
    TermMatch(store, max_text_chars=1000).load()
    store.close()

    assert [
        (v.version, v.actor, v.edit, v.terms_added, v.term_count)
        for v in browser.list_versions("scams").versions
    ] == [
        (3, "old-pod", ListEdit.TERMS_ADDED, 1, 4),
        (2, "old-pod", ListEdit.TERMS_ADDED, 1, 3),
        (1, "ana", ListEdit.CREATED, 2, 2),
    ]
    assert [t.term_id for t in browser.search_terms("scams", "MONEY").terms] == ["wire"]
    assert [t.term_id for t in browser.search_terms("scams", "fast").terms] == ["fast"]
