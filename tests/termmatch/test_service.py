"""The domain core without gRPC: timed words, assigned ids, versions and matcher swaps."""

from collections.abc import Iterator

import pytest

from modmesh.common.evidence import Severity, TimeRange, Word
from modmesh.runtime.errors import InvalidArgument, NotFound
from modmesh.termmatch.model import TermDraft
from modmesh.termmatch.service import TermMatch
from modmesh.termmatch.storage import SqlListStore


@pytest.fixture
def core(database_url: str) -> Iterator[TermMatch]:
    store = SqlListStore(database_url)
    core = TermMatch(store, max_text_chars=1000)
    core.load()
    core.create_list(
        "scams",
        "Scams",
        "",
        [
            TermDraft("free gift card", Severity.HIGH, "scam", "free-gift-card"),
            TermDraft("act now", Severity.LOW, "spam"),
        ],
    )
    yield core
    store.close()


# Whisper-style words: leading spaces, punctuation kept inside the word.
WORDS = [
    Word(" Get", 1.0, 1.3),
    Word(" your", 1.3, 1.5),
    Word(" free", 2.0, 2.4),
    Word(" gift", 2.4, 2.7),
    Word(" card.", 2.7, 3.1),
    Word(" Act", 3.5, 3.8),
    Word(" now!", 3.8, 4.2),
]


def test_words_are_joined_by_single_spaces_and_hits_carry_word_indexes_and_times(
    core: TermMatch,
) -> None:
    result = core.match_words(WORDS)
    assert result.text == "Get your free gift card. Act now!"
    gift, act = result.hits
    assert (gift.term.term_id, gift.matched_text) == ("free-gift-card", "free gift card")
    assert result.text[gift.start : gift.end] == "free gift card"
    assert (gift.word_start_index, gift.word_end_index) == (2, 4)
    assert gift.time_range == TimeRange(2.0, 3.1)
    assert (act.matched_text, act.word_start_index, act.word_end_index) == ("Act now", 5, 6)
    assert act.time_range == TimeRange(3.5, 4.2)


def test_plain_text_hits_have_no_word_indexes_or_times(core: TermMatch) -> None:
    (hit,) = core.match_text("ACT NOW").hits
    assert hit.word_start_index is None and hit.time_range is None


def test_missing_term_ids_are_derived_from_the_text_and_kept_unique(core: TermMatch) -> None:
    assert [t.term_id for t in core.get_list("scams").terms] == ["free-gift-card", "act-now"]
    edited = core.add_terms(
        "scams",
        [TermDraft("Gift  Card!", Severity.LOW), TermDraft("other", Severity.LOW, "", "gift-card")],
    )
    assert [t.term_id for t in edited.terms][2:] == ["gift-card-2", "gift-card"]
    assert edited.terms[2].text == "Gift  Card!"


def test_the_same_phrase_written_differently_is_a_duplicate(core: TermMatch) -> None:
    with pytest.raises(InvalidArgument, match=r"terms\[0\]\.text 'ACT-NOW' is the same phrase"):
        core.add_terms("scams", [TermDraft("ACT-NOW", Severity.LOW)])


def test_earlier_versions_stay_available_after_edits(core: TermMatch) -> None:
    core.remove_terms("scams", ["act-now"])
    assert core.get_list("scams").version == 2
    assert [t.term_id for t in core.get_list("scams", version=1).terms] == [
        "free-gift-card",
        "act-now",
    ]
    with pytest.raises(NotFound, match="no version 3"):
        core.get_list("scams", version=3)


def test_an_edit_swaps_in_a_new_matcher_for_later_matches_only(core: TermMatch) -> None:
    before = core.match_text("act now")
    core.remove_terms("scams", ["act-now"])
    after = core.match_text("act now")
    assert [(h.term.term_id, h.list_version) for h in before.hits] == [("act-now", 1)]
    assert after.hits == []
    assert [(t.list_id, t.version) for t in after.lists] == [("scams", 2)]


def test_lists_are_loaded_from_storage_on_start(core: TermMatch, database_url: str) -> None:
    store = SqlListStore(database_url)
    restarted = TermMatch(store, max_text_chars=1000)
    restarted.load()
    assert [h.term.term_id for h in restarted.match_text("free gift card").hits] == [
        "free-gift-card"
    ]
    store.close()
