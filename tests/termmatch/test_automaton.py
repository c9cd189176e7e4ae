"""The Aho-Corasick automaton: every occurrence of every key, as a brute-force search
finds them, in pyahocorasick's order."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from modmesh.termmatch.automaton import Automaton, code_points


def brute_force(keys: list[str], text: str) -> list[tuple[int, int]]:
    """(last index, key number) of every occurrence, by end, the longest key first."""
    found = [
        (start + len(key) - 1, -len(key), number)
        for number, key in enumerate(keys)
        for start in range(len(text) - len(key) + 1)
        if text.startswith(key, start)
    ]
    return [(end, number) for end, _, number in sorted(found)]


# A small alphabet makes shared prefixes, suffixes and overlaps common; astral and
# Han code points check that keys are code points, not UTF-16 units or bytes.
ALPHABET = st.sampled_from("ab \u00e9\u4e00\U0001f600")
KEYS = st.lists(st.text(ALPHABET, min_size=1, max_size=6), min_size=1, max_size=30, unique=True)


@settings(max_examples=300, deadline=None)
@given(keys=KEYS, text=st.text(ALPHABET, max_size=60))
def test_finds_what_brute_force_finds(keys: list[str], text: str) -> None:
    automaton = Automaton(keys, range(len(keys)))
    assert automaton.iter(code_points(text)) == brute_force(keys, text)


def test_reports_each_keys_value() -> None:
    automaton = Automaton(["he", "she", "his", "hers"], [10, 20, 30, 40])
    assert automaton.iter(code_points("ushers")) == [(3, 20), (3, 10), (5, 40)]


def test_an_automaton_without_keys_finds_nothing() -> None:
    assert Automaton([], []).iter(code_points("anything")) == []


def test_a_text_with_more_hits_than_code_points_reports_them_all() -> None:
    keys = ["a" * length for length in range(1, 9)]
    hits = Automaton(keys, range(len(keys))).iter(code_points("a" * 50))
    assert len(hits) == len(brute_force(keys, "a" * 50)) == sum(51 - n for n in range(1, 9))
