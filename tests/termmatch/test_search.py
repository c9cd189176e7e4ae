"""Searching a list for the console: a list's terms whose text or id contains a query,
folded (case, width, accents, whitespace), in term id order, a page at a time, at the
newest version or any earlier one, on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from modmesh.contracts.evidence import Severity
from modmesh.runtime.errors import InvalidArgument, NotFound
from modmesh.termmatch.browse import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, ListBrowser, TermPage
from modmesh.termmatch.core import TermMatch
from modmesh.termmatch.domain import ListSettings, TermDraft
from modmesh.termmatch.folding import _fold_unicode, fold
from modmesh.termmatch.store import SqlListStore
from tests.support import AUDIT_KEY


@pytest.fixture
def core(database_url: str) -> Iterator[TermMatch]:
    store = SqlListStore(database_url, audit_key=AUDIT_KEY)
    core = TermMatch(store, max_text_chars=1000)
    core.load()
    yield core
    store.close()


@pytest.fixture
def browser(core: TermMatch, database_url: str) -> Iterator[ListBrowser]:
    """Reads through a store of its own, as another replica would."""
    store = SqlListStore(database_url, audit_key=AUDIT_KEY)
    yield ListBrowser(store.history())
    store.close()


def make_list(core: TermMatch, *texts: str, list_id: str = "scams", ids: str = "") -> None:
    """A list of the texts; their ids derived from them, or `ids` and a number."""
    core.create_list(
        list_id,
        ListSettings("Scams"),
        [
            TermDraft(text, Severity.HIGH, term_id=f"{ids}{n:02}" if ids else "")
            for n, text in enumerate(texts)
        ],
        actor="admin-1",
    )


def found(page: TermPage) -> list[str]:
    return [term.term_id for term in page.terms]


def every_page(browser: ListBrowser, query: str, page_size: int, **kwargs: int) -> list[str]:
    """The ids of every page, following next_page_token to the end."""
    ids: list[str] = []
    token = ""
    while True:
        page = browser.search_terms("scams", query, page_size=page_size, page_token=token, **kwargs)
        assert len(page.terms) <= page_size
        ids += found(page)
        token = page.next_page_token
        if not token:
            return ids


def test_a_query_is_found_inside_texts_whatever_their_case_width_and_accents(
    core: TermMatch, browser: ListBrowser
) -> None:
    make_list(
        core,
        "Free GIFT card",
        "\uff27\uff29\uff26\uff34 voucher",  # full-width letters
        "giftcard",
        "café crème",
        "act now",
    )
    page = browser.search_terms("scams", "Gift")
    assert [(term.term_id, term.text) for term in page.terms] == [
        ("free-gift-card", "Free GIFT card"),
        ("gift-voucher", "\uff27\uff29\uff26\uff34 voucher"),
        ("giftcard", "giftcard"),
    ]
    assert [term.text for term in browser.search_terms("scams", "CAFE").terms] == ["café crème"]
    # Runs of whitespace are one space, in the query as in the text.
    assert found(browser.search_terms("scams", "  gift\t card ")) == ["free-gift-card"]
    assert found(browser.search_terms("scams", "gift cards")) == []


def test_a_query_is_also_found_in_term_ids(core: TermMatch, browser: ListBrowser) -> None:
    core.create_list(
        "scams",
        ListSettings("Scams"),
        [
            TermDraft("wire the money", Severity.HIGH, term_id="Case-1234"),
            TermDraft("act now", Severity.LOW),
        ],
        actor="admin-1",
    )
    assert found(browser.search_terms("scams", "case-12")) == ["Case-1234"]
    assert found(browser.search_terms("scams", "act-n")) == ["act-now"]


def test_like_wildcards_in_a_query_are_plain_characters(
    core: TermMatch, browser: ListBrowser
) -> None:
    make_list(core, "50% off", "50 off now", "win_big", "winabig")
    assert [t.text for t in browser.search_terms("scams", "50%").terms] == ["50% off"]
    assert [t.text for t in browser.search_terms("scams", "n_b").terms] == ["win_big"]


def test_an_empty_query_lists_every_term_in_term_id_order(
    core: TermMatch, browser: ListBrowser
) -> None:
    make_list(core, "zebra crossing", "act now", "mid term")
    page = browser.search_terms("scams", "")
    assert found(page) == ["act-now", "mid-term", "zebra-crossing"]
    assert (page.version, page.next_page_token) == (1, "")


def test_pages_visit_every_match_once_in_term_id_order(
    core: TermMatch, browser: ListBrowser
) -> None:
    make_list(core, *(f"gift {n}" for n in range(45)), *(f"other {n}" for n in range(30)))
    expected = sorted(f"gift-{n}" for n in range(45))
    assert every_page(browser, "GIFT", page_size=7) == expected
    assert every_page(browser, "gift", page_size=45) == expected
    assert len(every_page(browser, "", page_size=10)) == 75


def test_an_edit_between_pages_leaves_the_search_on_its_first_page_s_version(
    core: TermMatch, browser: ListBrowser
) -> None:
    make_list(core, *(f"gift {n}" for n in range(20)), ids="t")
    first = browser.search_terms("scams", "gift", page_size=8)
    assert first.version == 1
    core.remove_terms("scams", ["t15"], actor="admin-1")
    core.add_terms("scams", [TermDraft("gift 99", Severity.LOW, term_id="t99")], actor="admin-1")
    core.update_terms(
        "scams", [TermDraft("no longer a match", Severity.LOW, term_id="t12")], actor="admin-1"
    )

    ids = found(first)
    token = first.next_page_token
    while token:
        page = browser.search_terms("scams", "gift", page_size=8, page_token=token)
        assert page.version == 1
        ids += found(page)
        token = page.next_page_token

    assert ids == [f"t{n:02}" for n in range(20)]
    newest = every_page(browser, "gift", page_size=8)
    assert {"t12", "t15"}.isdisjoint(newest)
    assert "t99" in newest


def test_a_search_of_an_earlier_version_reads_the_list_as_it_was(
    core: TermMatch, browser: ListBrowser
) -> None:
    make_list(core, "free gift card", "act now", "wire the money", ids="t")
    core.update_terms(
        "scams", [TermDraft("free voucher", Severity.LOW, term_id="t00")], actor="admin-1"
    )
    core.remove_terms("scams", ["t01"], actor="admin-1")

    at_one = browser.search_terms("scams", "", version=1)
    assert [(t.term_id, t.text) for t in at_one.terms] == [
        ("t00", "free gift card"),
        ("t01", "act now"),
        ("t02", "wire the money"),
    ]
    assert found(browser.search_terms("scams", "gift", version=1)) == ["t00"]
    assert found(browser.search_terms("scams", "gift", version=2)) == []
    assert found(browser.search_terms("scams", "voucher", version=2)) == ["t00"]
    assert found(browser.search_terms("scams", "act", version=2)) == ["t01"]
    assert browser.search_terms("scams", "act").terms == []
    assert browser.search_terms("scams", "").version == 3
    assert every_page(browser, "", page_size=1, version=1) == found(at_one)


def test_page_sizes_default_to_50_and_are_capped_at_500(
    core: TermMatch, browser: ListBrowser
) -> None:
    make_list(core, *(f"term {n}" for n in range(MAX_PAGE_SIZE + 20)))
    assert len(browser.search_terms("scams", "").terms) == DEFAULT_PAGE_SIZE
    assert len(browser.search_terms("scams", "", page_size=10_000).terms) == MAX_PAGE_SIZE
    with pytest.raises(InvalidArgument, match="page_size must not be negative") as refused:
        browser.search_terms("scams", "", page_size=-1)
    assert refused.value.violations[0].field == "page_size"


def test_a_token_is_refused_unless_it_continues_the_same_search(
    core: TermMatch, browser: ListBrowser
) -> None:
    make_list(core, *(f"gift {n}" for n in range(5)))
    make_list(core, *(f"gift {n}" for n in range(5)), list_id="other")
    token = browser.search_terms("scams", "gift", page_size=2).next_page_token
    assert token

    for garbled in ("not a token", token[:-3], "e30", "W10"):
        with pytest.raises(InvalidArgument, match="page_token is not one this service gave"):
            browser.search_terms("scams", "gift", page_token=garbled)
    with pytest.raises(InvalidArgument, match="page_token continues another request"):
        browser.search_terms("scams", "gif", page_token=token)
    with pytest.raises(InvalidArgument, match="continues another request"):
        browser.search_terms("other", "gift", page_token=token)
    with pytest.raises(InvalidArgument, match="continues another request"):
        browser.search_terms("scams", "gift", version=2, page_token=token)
    # The same query written otherwise folds to the same search; its own version is fine.
    assert browser.search_terms("scams", " GIFT ", version=1, page_token=token).terms


def test_a_forged_token_or_list_id_is_refused_never_sent_to_the_database(
    core: TermMatch, browser: ListBrowser
) -> None:
    """A token is readable by whoever holds it (base64 of JSON): one forged to carry a NUL
    or a lone surrogate, which PostgreSQL cannot take, is refused like a garbled one."""
    make_list(core, *(f"gift {n}" for n in range(5)))
    token = browser.search_terms("scams", "gift", page_size=2).next_page_token
    fields = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    for after in ("gift\x00", "\ud800", 7):
        forged = json.dumps([*fields[:-1], after]).encode()
        with pytest.raises(InvalidArgument, match="page_token is not one this service gave"):
            browser.search_terms(
                "scams", "gift", page_token=base64.urlsafe_b64encode(forged).decode()
            )
    with pytest.raises(NotFound, match="not found"):
        browser.search_terms("scams\x00", "gift")


def test_an_unknown_list_or_version_is_not_found_and_a_bad_one_refused(
    core: TermMatch, browser: ListBrowser
) -> None:
    make_list(core, "gift")
    with pytest.raises(NotFound, match="term list 'ghost' not found"):
        browser.search_terms("ghost", "")
    with pytest.raises(NotFound, match=r"has no version 2 \(latest is 1\)") as missing:
        browser.search_terms("scams", "", version=2)
    assert missing.value.violations[0].field == "version"
    with pytest.raises(InvalidArgument, match="version must not be negative"):
        browser.search_terms("scams", "", version=-1)
    with pytest.raises(InvalidArgument, match="list_id is required"):
        browser.search_terms("", "")
    with pytest.raises(InvalidArgument, match="query is 301 characters"):
        browser.search_terms("scams", "x" * 301)


def test_folding_is_case_width_accent_and_whitespace_blind_and_keeps_punctuation() -> None:
    assert fold("  CAFÉ\u00a0Crème\t") == "cafe creme"
    assert fold("\uff26\uff32\uff25\uff25") == "free"
    assert fold("Straße") == "strasse"
    assert fold("fr[e]+ 50%") == "fr[e]+ 50%"
    # Hangul syllables stay whole (NFD takes them apart into letters, not marks).
    assert fold("선물") == "선물"
    assert fold("a\x1fb\x00c") == "a b c"


@given(st.text(alphabet=st.characters(max_codepoint=0x7F)))
def test_ascii_text_folds_as_the_general_path_folds_it(text: str) -> None:
    assert fold(text) == _fold_unicode(text)
