"""Whole-word and phrase matching, with hits reported in the original text."""

from hypothesis import given, settings
from hypothesis import strategies as st

from modmesh.common.evidence import Severity
from modmesh.termmatch.matcher import TokenMatcher
from modmesh.termmatch.model import Term
from modmesh.termmatch.normalize import analyze, term_tokens


def term(text: str) -> Term:
    return Term(text.replace(" ", "-"), text, Severity.HIGH, "scam")


def hits(terms: list[str], text: str) -> list[tuple[str, str]]:
    """(term text, original matched text) of every hit, by position."""
    found = TokenMatcher([term(t) for t in terms]).find(analyze(text))
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


def test_spans_cover_the_original_characters_after_normalisation() -> None:
    full_width = "\uff26\uff32\uff25\uff25 gift card"
    assert hits(["free gift card"], full_width) == [("free gift card", full_width)]
    assert hits(["fine print"], "read the ﬁne print") == [("fine print", "ﬁne print")]
    assert hits(["café"], "Cafe\u0301!") == [("café", "Cafe\u0301")]
    assert hits(["gift"], "GIFT") == [("gift", "GIFT")]


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


# Filler mixes the cases the matcher must survive: ASCII, accents and combining marks,
# full-width letters, ligatures, digits, punctuation and whitespace runs.
FILLER = st.text(
    alphabet=st.sampled_from(list("abcdeFGH xyz  -!.,\n\té\u0301ßﬁ\uff21\uff42Ω12")), max_size=40
)
WORD = st.text(alphabet=st.sampled_from(list("abcﬁßé\uff21Ω1")), min_size=1, max_size=6)


@settings(max_examples=150, deadline=None)
@given(
    before=FILLER,
    after=FILLER,
    phrase=st.lists(WORD, min_size=1, max_size=3),
    separator=st.sampled_from([" ", "-", " , ", "\n"]),
)
def test_every_span_normalises_back_to_the_term_it_reports(
    before: str, after: str, phrase: list[str], separator: str
) -> None:
    planted = separator.join(phrase)
    text = f"{before} {planted} {after}"
    terms = [term(planted), term("abc")]
    found = TokenMatcher(terms).find(analyze(text))
    assert any(o.term.text == planted for o in found)
    for occurrence in found:
        assert term_tokens(text[occurrence.start : occurrence.end]) == term_tokens(
            occurrence.term.text
        )
