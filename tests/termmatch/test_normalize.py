"""Normalisation into the match view, which remembers where each view character came
from in the original text."""

import re
from collections.abc import Iterable

from hypothesis import given, settings
from hypothesis import strategies as st

from modmesh.termmatch.confusables import CONFUSABLES
from modmesh.termmatch.domain import Flags
from modmesh.termmatch.normalize import LEET, Normalizer
from modmesh.termmatch.spoken import _tokens, token_matches

DEFAULT = Normalizer(Flags())


def original_of(text: str, start: int, end: int, normalizer: Normalizer = DEFAULT) -> str:
    """The original text behind view[start:end]."""
    first, last = normalizer.normalize(text).original_span(start, end)
    return text[first:last]


def test_the_view_is_padded_with_spaces_and_each_separator_run_is_one_space() -> None:
    assert DEFAULT.normalize("Gift-Card!").text == " gift card "
    assert DEFAULT.normalize("  gift \t ... card  ").text == " gift card "
    assert DEFAULT.normalize("snake_case").text == " snake case "
    assert DEFAULT.normalize("").text == " "


def test_full_width_letters_fold_to_ascii_and_map_back_one_to_one() -> None:
    text = "\uff26\uff32\uff25\uff25 gift card"  # full-width FREE
    assert DEFAULT.normalize(text).text == " free gift card "
    assert original_of(text, 1, 5) == "\uff26\uff32\uff25\uff25"


def test_casefold_expands_sharp_s_and_both_letters_map_to_it() -> None:
    assert DEFAULT.normalize("Straße").text == " strasse "
    assert original_of("Straße", 5, 7) == "ß"


def test_precomposed_and_combining_accents_give_the_same_view() -> None:
    assert DEFAULT.normalize("café").text == DEFAULT.normalize("cafe\u0301").text
    assert original_of("cafe\u0301 now", 1, 6) == "cafe\u0301"


def test_letters_of_unspaced_scripts_stand_alone_and_marks_stay_in_words() -> None:
    assert DEFAULT.normalize("领取gift卡").text == " 领 取 gift 卡 "
    assert DEFAULT.normalize("नमस्ते दुनिया").text.split() == ["नमस्ते", "दुनिया"]


def test_each_flag_folds_its_evasion() -> None:
    def view(text: str, **flags: bool) -> str:
        return Normalizer(Flags(**flags)).normalize(text).text.strip()

    assert view("FREE", nfkc=False, casefold=False) == "FREE"
    assert view("Crème brûlée", strip_accents=True) == "creme brulee"
    assert view("p\u0430yp\u0430l", confusables=True) == "paypal"  # Cyrillic a
    assert view("g1ft c4rd fr€€", leetspeak=True) == "gift card free"
    assert view("f.r.e.e gift, c a r d", ignore_separators=True) == "free gift card"
    # Two spelt-out words in a row cannot be told apart from one when spaces spell them;
    # when punctuation does, whitespace separates words.
    assert view("f r e e g i f t", ignore_separators=True) == "freegift"
    assert view("f.r.e.e g.i.f.t", ignore_separators=True) == "free gift"
    assert view("a s.c.a.m", ignore_separators=True) == "a scam"
    assert view("s\u200bc\u00ada\u2060m\ufe0f") == "scam"  # invisible characters, under nfkc
    assert view("freeeee!!!", collapse_repeats=True) == "fre"


def test_all_flags_together_map_every_view_letter_back() -> None:
    everything = Normalizer(Flags.all())
    text = "F.R.€.E g1ft"
    view = everything.normalize(text)
    assert view.text == " fre gift "
    assert original_of(text, 1, 4, everything) == "F.R.€.E"
    assert original_of(text, 5, 9, everything) == "g1ft"


def test_the_confusables_table_is_unicode_tr39_data() -> None:
    assert len(CONFUSABLES) > 6000
    assert CONFUSABLES["\u0430"] == "a"  # CYRILLIC SMALL LETTER A
    assert CONFUSABLES["m"] == "rn"


def test_spoken_forms_read_figures_and_contractions_aloud_from_whole_tokens() -> None:
    spoken = Normalizer(Flags(spoken_forms=True))
    assert spoken.normalize("24/7, 1,500 or 2.05").text == (
        " twenty four seven one thousand five hundred or two point zero five "
    )
    assert spoken.normalize("the 21st; can't, won't, we're").text == (
        " the twenty first can not will not we are "
    )
    # Each word of a reading came from the whole token it reads.
    assert original_of("open 24/7", 6, 12, spoken) == "24"
    # Left as written: figures inside words, leading zeros, very long numbers.
    assert spoken.normalize("g1ft 007 1234567890123").text == " g1ft 007 1234567890123 "


@settings(max_examples=500, deadline=None)
@given(
    text=st.text(alphabet=st.sampled_from(list("ab cnotCANNOT'\u2019\u02bc019,.\n\t\u3000@$€x"))),
    letters=st.sampled_from(["", "".join(LEET)]),
)
def test_spoken_tokens_are_found_where_a_search_of_the_whole_text_finds_them(
    text: str, letters: str
) -> None:
    def found(matches: Iterable[re.Match[str]]) -> list[tuple[tuple[int, int], str]]:
        return [(m.span(), m.group()) for m in matches]

    assert found(token_matches(text, letters)) == found(_tokens(letters).finditer(text))
