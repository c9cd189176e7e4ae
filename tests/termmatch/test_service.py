"""The domain core without gRPC: timed words, assigned ids, versions, time windows,
exceptions, bulk imports and matcher swaps, on SQLite and PostgreSQL."""

import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from modmesh.contracts.evidence import Severity, TimeRange, Word
from modmesh.runtime import audit
from modmesh.runtime.database import open_engine
from modmesh.runtime.errors import InvalidArgument, NotFound
from modmesh.termmatch.core import TermMatch
from modmesh.termmatch.domain import Flags, ListSettings, TermDraft, TermKind, Window
from modmesh.termmatch.store import SqlListStore
from modmesh.termmatch.tables import AUDIT_TABLE
from tests.support import AUDIT_KEY

JAN = datetime(2025, 1, 1, tzinfo=UTC)
FEB = datetime(2025, 2, 1, tzinfo=UTC)
MAR = datetime(2025, 3, 1, tzinfo=UTC)


@pytest.fixture
def core(database_url: str) -> Iterator[TermMatch]:
    store = SqlListStore(database_url, audit_key=AUDIT_KEY)
    core = TermMatch(store, max_text_chars=1000)
    core.load()
    core.create_list(
        "scams",
        ListSettings("Scams"),
        [
            TermDraft("free gift card", Severity.HIGH, "scam", "free-gift-card"),
            TermDraft("act now", Severity.LOW, "spam"),
        ],
        actor="admin-1",
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
    assert hit.word_start_index is None
    assert hit.time_range is None


def test_missing_term_ids_are_derived_from_the_text_and_kept_unique(core: TermMatch) -> None:
    assert [t.term_id for t in core.get_list("scams").terms] == ["free-gift-card", "act-now"]
    added = core.add_terms(
        "scams",
        [TermDraft("Gift  Card!", Severity.LOW), TermDraft("other", Severity.LOW, "", "gift-card")],
        actor="admin-1",
    ).added
    assert [t.term_id for t in added] == ["gift-card-2", "gift-card"]
    assert added[0].text == "Gift  Card!"
    assert core.get_list("scams").terms[2:] == tuple(added)


def test_the_same_phrase_written_differently_is_a_duplicate(core: TermMatch) -> None:
    with pytest.raises(InvalidArgument, match=r"terms\[0\]\.text 'ACT-NOW' is the same phrase"):
        core.add_terms("scams", [TermDraft("ACT-NOW", Severity.LOW)], actor="admin-1")


def test_earlier_versions_stay_available_after_edits(core: TermMatch) -> None:
    core.remove_terms("scams", ["act-now"], actor="admin-1")
    assert core.get_list("scams").version == 2
    assert [t.term_id for t in core.get_list("scams", version=1).terms] == [
        "free-gift-card",
        "act-now",
    ]
    with pytest.raises(NotFound, match="no version 3"):
        core.get_list("scams", version=3)


def test_an_edit_swaps_in_a_new_matcher_for_later_matches_only(core: TermMatch) -> None:
    before = core.match_text("act now")
    core.remove_terms("scams", ["act-now"], actor="admin-1")
    after = core.match_text("act now")
    assert [(h.term.term_id, h.list_version) for h in before.hits] == [("act-now", 1)]
    assert after.hits == []
    assert [(t.list_id, t.version) for t in after.lists] == [("scams", 2)]


def test_lists_are_loaded_from_storage_on_start(core: TermMatch, database_url: str) -> None:
    store = SqlListStore(database_url, audit_key=AUDIT_KEY)
    restarted = TermMatch(store, max_text_chars=1000)
    restarted.load()
    assert [h.term.term_id for h in restarted.match_text("free gift card").hits] == [
        "free-gift-card"
    ]
    store.close()


def ids(core: TermMatch, text: str, **kwargs: object) -> list[str]:
    return [h.term.term_id for h in core.match_text(text, **kwargs).hits]  # type: ignore[arg-type]


def test_term_windows_are_evaluated_at_the_capture_time(core: TermMatch) -> None:
    core.add_terms(
        "scams",
        [TermDraft("black friday deal", Severity.MEDIUM, "spam", window=Window(FEB, MAR))],
        actor="admin-1",
    )
    text = "a black friday deal"
    assert ids(core, text, capture_time=JAN) == []
    assert ids(core, text, capture_time=FEB) == ["black-friday-deal"]
    assert ids(core, text, capture_time=MAR) == []  # active_until is exclusive


def test_a_list_outside_its_window_is_not_consulted(core: TermMatch) -> None:
    core.create_list(
        "seasonal",
        ListSettings("Seasonal", window=Window(None, FEB)),
        [TermDraft("advent offer", Severity.LOW)],
        actor="admin-1",
    )
    assert [t.list_id for t in core.match_text("advent offer", capture_time=JAN).lists] == [
        "scams",
        "seasonal",
    ]
    later = core.match_text("advent offer", capture_time=MAR)
    assert ([t.list_id for t in later.lists], later.hits) == (["scams"], [])


def test_an_exception_phrase_suppresses_the_hits_inside_it(core: TermMatch) -> None:
    core.create_list(
        "rude",
        ListSettings("Rude", exceptions=("Scunthorpe United",)),
        [TermDraft("cunt", Severity.HIGH, kind=TermKind.SUBSTRING)],
        actor="admin-1",
    )
    assert ids(core, "Scunthorpe United won", list_ids=["rude"]) == []
    assert ids(core, "Scunthorpe lost", list_ids=["rude"]) == ["cunt"]


def test_regex_terms_run_with_re2_and_bad_patterns_are_refused_at_upload(
    core: TermMatch,
) -> None:
    core.add_terms(
        "scams",
        [TermDraft(r"win \d+ (?:usd|eur)", Severity.LOW, kind=TermKind.REGEX)],
        actor="admin-1",
    )
    (hit,) = core.match_text("You WIN 500 EUR today", list_ids=["scams"]).hits
    assert (hit.term.term_id, hit.matched_text) == ("pattern", "WIN 500 EUR")
    with pytest.raises(
        InvalidArgument, match=r"terms\[0\]\.text '\(a\)\\\\1' is not a pattern RE2"
    ):
        core.add_terms(
            "scams", [TermDraft(r"(a)\1", Severity.LOW, kind=TermKind.REGEX)], actor="admin-1"
        )


def test_evasions_are_caught_with_all_flags_and_spans_point_into_the_original(
    core: TermMatch,
) -> None:
    core.create_list(
        "strict",
        ListSettings("Strict", flags=Flags.all()),
        [TermDraft("free gift card", Severity.HIGH)],
        actor="admin-1",
    )
    text = "Get your fr€e g1ft c.a.r.d now, or a FREEEE GIFT  CARD"
    result = core.match_text(text, list_ids=["strict"])
    assert [h.matched_text for h in result.hits] == ["fr€e g1ft c.a.r.d", "FREEEE GIFT  CARD"]


def test_scripts_without_spaces_match_as_substrings_in_mixed_text(core: TermMatch) -> None:
    core.add_terms(
        "scams",
        [TermDraft("免费礼品卡", Severity.HIGH), TermDraft("ฟรี", Severity.LOW)],
        actor="admin-1",
    )
    result = core.match_text("点这里领取免费礼品卡! gift card ของฟรีนะ")
    assert [h.matched_text for h in result.hits] == ["免费礼品卡", "ฟรี"]


def test_an_import_is_all_or_nothing_and_names_the_bad_line(core: TermMatch) -> None:
    rows = [(2, TermDraft("wire transfer", Severity.HIGH)), (3, TermDraft(" ", Severity.LOW))]
    with pytest.raises(InvalidArgument, match="line 3: text must not be empty") as refused:
        core.import_terms("scams", rows, replace_all=False, actor="admin-1")
    assert refused.value.violations[0].field == "line 3"
    assert core.get_list("scams").version == 1
    rows = [
        (2, TermDraft("wire transfer", Severity.HIGH)),
        (3, TermDraft("free gift card!", Severity.CRITICAL, term_id="free-gift-card")),
    ]
    imported = core.import_terms("scams", rows, replace_all=False, actor="admin-1")
    assert [(t.term_id, t.severity) for t in imported.terms] == [
        ("free-gift-card", Severity.CRITICAL),
        ("act-now", Severity.LOW),
        ("wire-transfer", Severity.HIGH),
    ]
    replaced = core.import_terms("scams", rows[:1], replace_all=True, actor="admin-1")
    assert (replaced.version, [t.term_id for t in replaced.terms]) == (3, ["wire-transfer"])


def test_an_edit_through_another_replica_is_picked_up_by_refresh(
    core: TermMatch, database_url: str
) -> None:
    store = SqlListStore(database_url, audit_key=AUDIT_KEY)
    other = TermMatch(store, max_text_chars=1000)
    other.load()
    other.add_terms("scams", [TermDraft("wire transfer", Severity.HIGH)], actor="admin-1")
    assert ids(core, "wire transfer") == []
    assert core.refresh() is True
    assert ids(core, "wire transfer") == ["wire-transfer"]
    assert core.refresh() is False
    # An edit through the stale replica builds on the newest version, not its own.
    other.add_terms("scams", [TermDraft("gift voucher", Severity.LOW)], actor="admin-1")
    edited = core.remove_terms("scams", ["act-now"], actor="admin-1").term_list
    assert (edited.version, [t.term_id for t in edited.terms]) == (
        4,
        ["free-gift-card", "wire-transfer", "gift-voucher"],
    )
    store.close()


def test_a_match_in_flight_always_sees_one_whole_version(core: TermMatch) -> None:
    """While edits add and remove a term, every match reports the hits of exactly the
    version it names: never a half-built list."""
    stop = threading.Event()
    seen: list[tuple[int, bool, bool]] = []

    def match() -> None:
        while not stop.is_set():
            result = core.match_text("free gift card, wire transfer")
            (version,) = [t.version for t in result.lists if t.list_id == "scams"]
            has_wire = any(h.term.term_id == "wire-transfer" for h in result.hits)
            seen.append((version, has_wire, all(h.list_version == version for h in result.hits)))

    matcher = threading.Thread(target=match)
    matcher.start()
    try:
        for _ in range(10):
            core.add_terms("scams", [TermDraft("wire transfer", Severity.HIGH)], actor="admin-1")
            core.remove_terms("scams", ["wire-transfer"], actor="admin-1")
    finally:
        stop.set()
        matcher.join()
    # Versions 2, 4, 6... have the term; 1, 3, 5... do not.
    assert seen
    assert all(has_wire == (version % 2 == 0) and same for version, has_wire, same in seen)


def test_every_list_edit_is_audited_with_its_actor_in_a_keyed_chain(
    core: TermMatch, database_url: str
) -> None:
    core.add_terms("scams", [TermDraft("wire transfer", Severity.HIGH)], actor="ana")
    core.remove_terms("scams", ["act-now"], actor="ben")
    core.update_list("scams", ListSettings("Scams, renamed"), actor="cleo")
    with pytest.raises(NotFound):
        core.remove_terms("scams", ["ghost"], actor="mallory")

    engine = open_engine(database_url)
    log = list(audit.read_entries(engine, AUDIT_TABLE))
    engine.dispose()

    assert audit.verify(log, AUDIT_KEY).ok
    assert [(e.actor, e.action, e.subject, e.details["version"]) for e in log] == [
        ("admin-1", "list.created", "lists/scams", 1),
        ("ana", "terms.added", "lists/scams", 2),
        ("ben", "terms.removed", "lists/scams", 3),
        ("cleo", "list.updated", "lists/scams", 4),
    ]
    assert log[2].details["removed_ids"] == ["act-now"]
