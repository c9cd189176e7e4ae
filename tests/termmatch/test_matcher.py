"""Finding terms: whole words and phrases, substrings, regexes, exceptions, scripts
without spaces, evasions; every hit reported in the original text."""

import dataclasses
import time
import weakref
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modmesh.contracts.evidence import Severity
from modmesh.termmatch import matcher, sounds
from modmesh.termmatch.domain import Flags, ListSettings, Term, TermKind, TermList
from modmesh.termmatch.matcher import CompiledLists, Occurrence, Reaper
from modmesh.termmatch.normalize import Normalizer
from modmesh.termmatch.sounds import SOUNDS_LIKE_CONFIDENCE
from tests.termmatch import reference

NOW = datetime(2025, 6, 1, tzinfo=UTC)
DEFAULT = Flags()


def term(text: str, kind: TermKind = TermKind.WORD) -> Term:
    return Term(f"{kind.name.lower()}:{text}", text, Severity.HIGH, "scam", kind)


def compiled(
    terms: list[Term], flags: Flags = DEFAULT, exceptions: tuple[str, ...] = ()
) -> CompiledLists:
    settings = ListSettings("test", flags=flags, exceptions=exceptions)
    return CompiledLists([TermList("test", 1, settings, tuple(terms), NOW, NOW)])


def hits(
    terms: list[str], text: str, flags: Flags = DEFAULT, kind: TermKind = TermKind.WORD
) -> list[tuple[str, str]]:
    """(term text, original matched text) of every hit, by position."""
    found = compiled([term(t, kind) for t in terms], flags).find(text, ["test"], NOW)
    return [(o.term.text, text[o.start : o.end]) for o in found]


def test_phrase_matches_across_case_punctuation_and_whitespace_runs() -> None:
    assert hits(["gift card"], "Gift-Card!") == [("gift card", "Gift-Card")]
    assert hits(["gift card"], "a gift   card") == [("gift card", "gift   card")]
    assert hits(["gift card"], "GIFT\n\t...card") == [("gift card", "GIFT\n\t...card")]


def test_no_match_inside_longer_words() -> None:
    assert hits(["gift card"], "gift cards") == []
    assert hits(["gift card"], "giftcard") == []
    assert hits(["act now"], "react nowhere") == []
    assert hits(["act now"], "exact now") == []


def test_substring_terms_match_inside_words() -> None:
    assert hits(["card"], "giftcards", kind=TermKind.SUBSTRING) == [("card", "card")]


def test_spans_cover_the_original_characters_after_normalisation() -> None:
    full_width = "\uff26\uff32\uff25\uff25 gift card"
    assert hits(["free gift card"], full_width) == [("free gift card", full_width)]
    assert hits(["fine print"], "read the ﬁne print") == [("fine print", "ﬁne print")]
    assert hits(["café"], "Cafe\u0301!") == [("café", "Cafe\u0301")]
    assert hits(["gift"], "GIFT") == [("gift", "GIFT")]


def test_a_stripped_accent_stays_inside_the_span_of_its_letter() -> None:
    flags = Flags(strip_accents=True)
    assert hits(["cafe"], "un cafe\u0301 noir", flags) == [("cafe", "cafe\u0301")]
    assert hits(["cafe"], "un café noir", flags) == [("cafe", "café")]


def test_each_evasion_flag_catches_its_evasion() -> None:
    assert hits(["free"], "FREE", Flags.none()) == []
    assert hits(["free"], "fr\u0435e", Flags(confusables=True)) == [
        ("free", "fr\u0435e")
    ]  # Cyrillic ie
    assert hits(["gift"], "g1ft", Flags(leetspeak=True)) == [("gift", "g1ft")]
    assert hits(["free"], "f.r.e.e", Flags(ignore_separators=True)) == [("free", "f.r.e.e")]
    assert hits(["free"], "f r e e gift", Flags(ignore_separators=True)) == [("free", "f r e e")]
    assert hits(["free"], "freeeee!", Flags(collapse_repeats=True)) == [("free", "freeeee")]
    assert hits(["free gift card"], "Fr€3 G1FT c.a.r.d", Flags.all()) == [
        ("free gift card", "Fr€3 G1FT c.a.r.d")
    ]


def test_invisible_characters_inside_a_word_neither_split_it_nor_hide_it() -> None:
    # Zero-width space, soft hyphen, word joiner, zero-width joiner and non-joiner, a
    # bidi override, a variation selector: each is inside the hit's span.
    for invisible in "\u200b\u00ad\u2060\u200d\u200c\u202e\ufe0f\u034f\U000e0041":
        text = f"a s{invisible}cam here"
        assert hits(["scam"], text) == [("scam", f"s{invisible}cam")], ascii(invisible)
    assert hits(["scam"], "s\u200bc\u00ada\u2060m!") == [("scam", "s\u200bc\u00ada\u2060m")]
    # Combining marks used as noise go with strip_accents.
    noisy = "s\u0336c\u0336a\u0336m\u0336"
    assert hits(["scam"], noisy, Flags(strip_accents=True)) == [("scam", noisy)]
    # Without nfkc an invisible character is a separator, as any other non-letter.
    assert hits(["scam"], "s\u200bcam", Flags.none()) == []


def test_spelt_out_words_beside_ordinary_and_one_letter_words() -> None:
    spelt = Flags(ignore_separators=True)
    assert hits(["scam"], "buy s c a m now", spelt) == [("scam", "s c a m")]
    assert hits(["scam"], "this s.c.a.m works", spelt) == [("scam", "s.c.a.m")]
    # Spelt with punctuation, a run's whitespace separates words: "a" and "I" stay words.
    assert hits(["scam"], "a s.c.a.m", spelt) == [("scam", "s.c.a.m")]
    assert hits(["scam"], "I s-c-a-m you", spelt) == [("scam", "s-c-a-m")]
    assert hits(["scam"], "s.c.a.m a", spelt) == [("scam", "s.c.a.m")]
    assert hits(["free gift"], "f.r.e.e g.i.f.t", spelt) == [("free gift", "f.r.e.e g.i.f.t")]
    assert hits(["scam"], "s. c. a. m.", spelt) == [("scam", "s. c. a. m")]
    # Spelt with spaces only, a one-letter word beside the run cannot be told from a
    # spelt letter: "I s c a m" reads "iscam".
    assert hits(["scam"], "I s c a m", spelt) == []


def test_a_term_removed_by_an_edit_is_no_hit_even_at_the_end_of_a_joined_text() -> None:
    # Its key stays linked, standing for nothing, until its shard is relinked; a hit of
    # it at the text's last letter once broke the match (an index past the letters).
    joined = Flags(join_words=True)
    keep, scam = term("other words"), term("scam")
    settings = ListSettings("test", flags=joined)
    before = CompiledLists([TermList("test", 1, settings, (keep, scam), NOW, NOW)])
    after = CompiledLists([TermList("test", 2, settings, (keep,), NOW, NOW)], before)
    assert after.find("a scam", ["test"], NOW) == []
    assert [o.term.text for o in after.find("other words, scam", ["test"], NOW)] == ["other words"]


def test_joined_words_match_as_a_recogniser_splits_or_joins_them() -> None:
    joined = Flags(join_words=True)
    assert hits(["giveaway"], "a crypto give away today", joined) == [("giveaway", "give away")]
    assert hits(["act now"], "so ACTNOW!", joined) == [("act now", "ACTNOW")]
    assert hits(["gift card"], "a gift, card", joined) == [("gift card", "gift, card")]
    # Still whole words: a term starts and ends where words of the text do.
    assert hits(["card"], "a car dealer", joined) == []
    assert hits(["act now"], "in fact nowhere", joined) == []
    assert hits(["giveaway"], "give away", Flags()) == []


def test_spoken_forms_match_figures_and_contractions_as_they_are_said() -> None:
    spoken = Flags(spoken_forms=True)
    assert hits(["twenty four seven"], "support 24/7!", spoken) == [("twenty four seven", "24/7")]
    assert hits(["24/7"], "we are open twenty-four seven", spoken) == [
        ("24/7", "twenty-four seven")
    ]
    assert hits(["win 1,000 dollars"], "win one thousand dollars", spoken) == [
        ("win 1,000 dollars", "win one thousand dollars")
    ]
    assert hits(["the 3rd prize"], "the third prize", spoken) == [
        ("the 3rd prize", "the third prize")
    ]
    assert hits(["do not miss"], "Don't miss it", spoken) == [("do not miss", "Don't miss")]
    assert hits(["you won't believe"], "you will not believe", spoken) == [
        ("you won't believe", "you will not believe")
    ]
    # A hit covers whole tokens: a word of a figure's reading is not the figure.
    assert hits(["four"], "open 24 hours", spoken) == []
    # Figures inside words stay for leetspeak, and codes keep their digits.
    assert hits(["gift"], "g1ft", Flags(spoken_forms=True, leetspeak=True)) == [("gift", "g1ft")]
    assert hits(["seven"], "agent 007", spoken) == []
    assert hits(["twenty four seven"], "24/7", Flags()) == []


def test_words_that_only_sound_like_a_term_are_weaker_hits_showing_what_was_heard() -> None:
    text = "please where the money to me, then wire the money again"
    found = compiled([term("wire the money")], Flags(sounds_like=True)).find(text, ["test"], NOW)

    by_sound, on_text = found
    assert text[by_sound.start : by_sound.end] == "where the money"
    assert by_sound.sound_confidence is not None
    assert 0.5 < by_sound.sound_confidence < SOUNDS_LIKE_CONFIDENCE
    # Where the text says the term, the hit is on the text, not also by sound.
    assert (text[on_text.start : on_text.end], on_text.sound_confidence) == (
        "wire the money",
        None,
    )


def test_hits_by_sound_are_opt_in_whole_words_and_spare_exceptions() -> None:
    wire = [term("wire the money")]
    assert hits(["wire the money"], "where the money") == []
    assert hits(["cripto"], "a crypto coin", Flags(sounds_like=True)) == [("cripto", "crypto")]
    # A substring or pattern term has no words to sound like.
    assert hits(["wire"], "where", Flags(sounds_like=True), TermKind.SUBSTRING) == []
    spared = compiled(wire, Flags(sounds_like=True), exceptions=("where the money went",))
    assert spared.find("where the money went", ["test"], NOW) == []


def test_scripts_without_spaces_match_as_substrings_and_next_to_latin() -> None:
    assert hits(["免费"], "领取免费礼品") == [("免费", "免费")]
    assert hits(["gift"], "领取gift卡") == [("gift", "gift")]
    assert hits(["ฟรี"], "ของฟรีนะ") == [("ฟรี", "ฟรี")]


def test_separators_between_characters_of_scripts_without_spaces_do_not_count() -> None:
    # Such scripts do not separate words, so a separator there is an insertion.
    assert hits(["免费"], "领取免 费礼品") == [("免费", "免 费")]
    assert hits(["免费"], "免-费") == [("免费", "免-费")]
    assert hits(["免费 礼品"], "免费礼品") == [("免费 礼品", "免费礼品")]
    assert hits(["gift 免费"], "gift, 免费!") == [("gift 免费", "gift, 免费")]


def test_overlapping_terms_are_all_reported_in_order_of_position() -> None:
    text = "get your free gift card now"
    assert hits(["gift card", "free gift", "free gift card", "card"], text) == [
        ("free gift", "free gift"),
        ("free gift card", "free gift card"),
        ("gift card", "gift card"),
        ("card", "card"),
    ]


def test_each_occurrence_is_a_hit() -> None:
    assert hits(["act now"], "Act now! ACT NOW!") == [
        ("act now", "Act now"),
        ("act now", "ACT NOW"),
    ]


def test_regex_terms_see_the_normalised_text() -> None:
    assert hits([r"fr[e]+ \w+"], "FREEE-Stuff", kind=TermKind.REGEX) == [
        (r"fr[e]+ \w+", "FREEE-Stuff")
    ]


def test_a_text_no_regex_term_matches_has_no_hits_of_them() -> None:
    assert hits([r"win \d+ (?:usd|eur)"], "nothing to see here", kind=TermKind.REGEX) == []


def test_exceptions_suppress_only_the_hits_they_contain() -> None:
    lists = compiled([term("cunt", TermKind.SUBSTRING)], exceptions=("scunthorpe",))
    found = lists.find("Scunthorpe, not cunts", ["test"], NOW)
    assert [(o.start, o.end) for o in found] == [(16, 20)]


def test_lists_with_the_same_flags_share_one_automaton_and_keep_their_own_hits() -> None:
    a = TermList("a", 3, ListSettings("A"), (term("gift card"),), NOW, NOW)
    b = TermList("b", 7, ListSettings("B"), (term("gift card"), term("card")), NOW, NOW)
    lists = CompiledLists([a, b])
    found = lists.find("gift card", ["a", "b"], NOW)
    assert [(o.list_id, o.term.text) for o in found] == [
        ("a", "gift card"),
        ("b", "gift card"),
        ("b", "card"),
    ]
    assert [o.list_id for o in lists.find("gift card", ["b"], NOW)] == ["b", "b"]


# Property tests. The alphabet mixes what the engine must survive: ASCII, accents and
# combining marks, full-width letters, ligatures, homoglyphs, leetspeak, punctuation and
# whitespace runs, repeated letters, scripts without spaces, one-letter words ("a",
# "I") and invisible characters (zero-width space and joiner, soft hyphen, word joiner,
# a bidi override, a variation selector, the combining grapheme joiner).
ALPHABET = list(
    "abcefgimnrt FGIR  -.,'!\n\té\u0301ßﬁ\uff21\uff42\u0435\u0456Ω0134@$€免费礼ฟรี"
    "\u200b\u200d\u00ad\u2060\u202e\ufe0f\u034f"
)
TEXT = st.text(alphabet=st.sampled_from(ALPHABET), max_size=40)
WORD = st.text(alphabet=st.sampled_from(ALPHABET), min_size=1, max_size=8)
FLAGS = st.builds(Flags, *[st.booleans()] * len(dataclasses.fields(Flags)))
KIND = st.sampled_from([TermKind.WORD, TermKind.SUBSTRING])


@settings(max_examples=300, deadline=None)
@given(
    before=TEXT, after=TEXT, words=st.lists(WORD, min_size=1, max_size=4), flags=FLAGS, kind=KIND
)
def test_engine_hits_equal_the_reference_and_every_span_normalises_to_its_term(
    before: str, after: str, words: list[str], flags: Flags, kind: TermKind
) -> None:
    terms = [term(w, kind) for w in dict.fromkeys(words)]
    text = before + " ".join(words) + after
    # Hits by sound are checked by example (above); here the hits on the text.
    found = [
        o for o in compiled(terms, flags).find(text, ["test"], NOW) if o.sound_confidence is None
    ]
    assert sorted((o.term.term_id, o.start, o.end) for o in found) == reference.find(
        terms, text, flags
    )
    normalizer = Normalizer(flags)

    def bare(text: str) -> str:
        key = normalizer.key(text)
        return key.replace(" ", "") if flags.join_words else key.strip(" ")

    for o in found:
        # A figure is read by its neighbours too ("4" alone is "four", in "@4" under
        # leetspeak "a"), so under spoken_forms a span cut out of its text may read
        # otherwise; the reference above checks those hits.
        if not flags.spoken_forms:
            assert bare(text[o.start : o.end]) == bare(o.term.text)


@settings(max_examples=300, deadline=None)
@given(text=TEXT, flags=FLAGS)
def test_the_fast_term_path_normalises_like_the_text_path_and_the_reference(
    text: str, flags: Flags
) -> None:
    normalizer = Normalizer(flags)
    view = normalizer.normalize(text)
    assert (
        normalizer.key(text) == view.text == "".join(c for c, _, _ in reference.view(text, flags))
    )
    expected = reference.view(text, flags)
    assert [(int(s), int(e)) for s, e in zip(view.starts, view.ends, strict=True)] == [
        (s, e) for _, s, e in expected
    ]


def test_a_list_split_over_several_automata_finds_the_same_hits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    terms = ["gift card", "free gift", "free gift card", "card", "act now"]
    text = "get your free gift card, act now"
    whole = hits(terms, text)
    monkeypatch.setattr(matcher, "SHARD_KEYS", 2)
    assert len(compiled([term(t) for t in terms])._groups[0].shards) == 3
    assert hits(terms, text) == whole


WORDS = st.sampled_from(["gift", "card", "free", "act", "now", "win", "cash", "prize"])
PHRASES = st.lists(WORDS, min_size=1, max_size=2).map(" ".join)


KINDS = st.sampled_from([TermKind.WORD, TermKind.SUBSTRING, TermKind.REGEX])
EDITS = st.lists(
    st.tuples(st.sampled_from(["add", "remove", "update"]), PHRASES, KINDS), max_size=40
)


@settings(max_examples=100, deadline=None)
@given(edits=EDITS, sounds_like=st.booleans())
def test_a_list_rebuilt_edit_by_edit_finds_what_a_fresh_build_finds(
    edits: list[tuple[str, str, TermKind]], sounds_like: bool
) -> None:
    """Each version is compiled from the last, changing only the keys of the terms an
    edit changed: additions, removals and updates in place (a term keeps its id and
    place; its text and kind change), of every kind, and with sounds_like the words by
    sound too. Also once the version it was built from is dismantled (freed in steps,
    as the reaper does): what the new version shares with it must stay whole."""
    # Small shards, so that edits merge tail shards, leave stale keys behind and re-add them.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(matcher, "SHARD_KEYS", 3)
        patch.setattr(matcher, "GROWTH", 2)
        text = "free gift card: act now, win cash, win a prize card now, free cash prize"
        text += ", fre gyft kard, akt nou, wyn kash prise"  # sound-alikes
        flags = Flags(sounds_like=sounds_like)
        current: dict[str, Term] = {}  # by term id, in list order
        lists = compiled([], flags)
        for version, (edit, phrase, kind) in enumerate(edits, start=2):
            term_id = phrase.replace(" ", "-")
            if edit == "remove":
                current.pop(term_id, None)
            elif edit == "update" or term_id not in current:
                current[term_id] = Term(term_id, phrase, Severity.HIGH, "scam", kind)
            settings = ListSettings("test", flags=flags)
            edited = TermList("test", version, settings, tuple(current.values()), NOW, NOW)
            replaced, lists = lists, CompiledLists([edited], lists)
            for _ in replaced.dismantle():
                pass

            def hits(found: list[Occurrence]) -> list[tuple[str, int, int, float | None]]:
                return [(o.term.term_id, o.start, o.end, o.sound_confidence) for o in found]

            fresh = CompiledLists([edited]).find(text, ["test"], NOW)
            assert hits(lists.find(text, ["test"], NOW)) == hits(fresh)


def test_an_edit_of_a_few_terms_is_applied_not_compiled_from_every_term(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = ListSettings("test", flags=DEFAULT)
    terms = [term(f"phrase {number}") for number in range(1_000)]
    before = CompiledLists([TermList("test", 1, settings, tuple(terms), NOW, NOW)])

    def compile_every_term(*args: object) -> None:
        raise AssertionError("compiled from every term")

    monkeypatch.setattr(matcher._Group, "_compile", compile_every_term)
    updated = Term(terms[5].term_id, "gift card", Severity.LOW, "scam")
    edited = (*terms[:5], updated, *terms[6:-1], term("prize"))
    after = CompiledLists([TermList("test", 2, settings, edited, NOW, NOW)], before)
    found = after.find("phrase 5, phrase 999, a gift card prize", ["test"], NOW)
    assert [o.term.text for o in found] == ["gift card", "prize"]


def test_an_edit_changes_the_words_by_sound_of_the_terms_it_changed_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = ListSettings("test", flags=Flags(sounds_like=True))
    free, gift_card, act_now = term("free"), term("gift card"), term("act now")
    before = CompiledLists([TermList("test", 1, settings, (free, gift_card), NOW, NOW)])

    def key_every_term(*args: object) -> None:
        raise AssertionError("keyed every term by sound")

    monkeypatch.setattr(sounds.SoundIndex, "__init__", key_every_term)
    after = CompiledLists([TermList("test", 2, settings, (gift_card, act_now), NOW, NOW)], before)
    found = after.find("fre gyft kard, akt nou", ["test"], NOW)
    assert [(o.term.text, o.sound_confidence is not None) for o in found] == [
        ("gift card", True),
        ("act now", True),
    ]


def test_the_reaper_frees_a_retired_version_once_no_match_holds_it() -> None:
    serving = compiled([term("gift card")])
    freed = weakref.ref(serving._groups[0])
    Reaper().retire(serving)
    time.sleep(0.1)  # `serving` stands for a match in flight: nothing of it is freed
    assert [o.term.text for o in serving.find("a gift card", ["test"], NOW)] == ["gift card"]
    del serving
    deadline = time.monotonic() + 10
    while freed() is not None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert freed() is None


def test_an_edit_links_only_its_new_keys_and_keeps_the_full_shards(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(matcher, "SHARD_KEYS", 2)
    settings = ListSettings("test", flags=DEFAULT)
    terms = [term(t) for t in ["gift card", "free gift", "act now", "win cash"]]
    before = CompiledLists([TermList("test", 1, settings, tuple(terms), NOW, NOW)])
    edited = TermList("test", 2, settings, (*terms[1:], term("prize")), NOW, NOW)
    after = CompiledLists([edited], before)
    old, new = before._groups[0].shards, after._groups[0].shards
    assert new[:2] == old
    assert [s.keys for s in new[2:]] == [(" prize ",)]
    assert [o.term.text for o in after.find("gift card prize", ["test"], NOW)] == ["prize"]
