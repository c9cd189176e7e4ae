"""Normalisation folds what readers see as the same word, and remembers where each
normalised character came from in the original text."""

from modmesh.termmatch.normalize import analyze, normalize, term_tokens


def original_of(text: str, start: int, end: int) -> str:
    normalized = normalize(text)
    first, last = normalized.original_span(start, end)
    return text[first:last]


def test_full_width_letters_fold_to_ascii_and_map_back_one_to_one() -> None:
    text = "\uff26\uff32\uff25\uff25 gift card"  # full-width FREE
    normalized = normalize(text)
    assert normalized.text == "free gift card"
    assert original_of(text, 0, 4) == "\uff26\uff32\uff25\uff25"


def test_casefold_lowers_and_expands_sharp_s() -> None:
    assert normalize("GIFT").text == "gift"
    normalized = normalize("Straße")
    assert normalized.text == "strasse"
    # Both s of "ss" come from the one "ß".
    assert original_of("Straße", 4, 6) == "ß"


def test_ligature_expands_and_both_letters_map_to_it() -> None:
    text = "ﬁne print"
    normalized = normalize(text)
    assert normalized.text == "fine print"
    assert original_of(text, 0, 4) == "ﬁne"
    assert original_of(text, 1, 2) == "ﬁ"


def test_base_and_combining_mark_compose_and_map_to_the_whole_cluster() -> None:
    text = "cafe\u0301 now"  # "e" + combining acute
    normalized = normalize(text)
    assert normalized.text == "café now"
    assert original_of(text, 0, 4) == "cafe\u0301"
    assert original_of(text, 5, 8) == "now"


def test_tokens_are_letters_and_digits_of_any_script() -> None:
    assert term_tokens("Gift-Card!") == ("gift", "card")
    assert term_tokens("  gift \t card  ") == ("gift", "card")
    assert term_tokens("snake_case") == ("snake", "case")
    assert term_tokens("Ωmega 42 café") == ("ωmega", "42", "café")
    assert term_tokens("नमस्ते दुनिया") == ("नमस्ते", "दुनिया")  # marks stay in the word
    assert term_tokens("?! ...") == ()


def test_token_spans_point_into_the_original_text() -> None:
    text = "Ｆree ＧＩＦＴ-card"  # noqa: RUF001 - full-width letters are the point
    analyzed = analyze(text)
    assert analyzed.tokens.words == ["free", "gift", "card"]
    start, end = analyzed.original_span(1, 2)
    assert text[start:end] == "ＧＩＦＴ-card"  # noqa: RUF001
