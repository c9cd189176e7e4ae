"""The windows a text is scored over: half-overlapping runs of words, each pointing back
into the text (characters), the input (word indexes) and, for a transcript, the times."""

from modmesh.contracts.evidence import Word
from modmesh.scoring.windows import (
    STRIDE_WORDS,
    WINDOW_WORDS,
    of_text,
    of_words,
    window_text,
    windows,
)


def test_a_text_shorter_than_a_window_is_one_window_and_an_empty_one_none() -> None:
    passage = of_text("  send me the code  ")
    (window,) = windows(passage)
    assert window_text(passage, window) == "send me the code"
    assert (window.word_start, window.word_end) == (0, 4)
    assert windows(of_text(" \n\t ")) == []


def test_windows_overlap_by_half_and_the_last_one_ends_at_the_last_word() -> None:
    words = [f"w{i}" for i in range(WINDOW_WORDS * 2 + 3)]
    found = windows(of_text(" ".join(words)))
    starts = [window.word_start for window in found]
    assert starts[:3] == [0, STRIDE_WORDS, 2 * STRIDE_WORDS]
    assert all(w.word_end - w.word_start == WINDOW_WORDS for w in found)
    assert found[-1].word_end == len(words)


def test_a_transcript_is_its_words_joined_by_single_spaces_with_their_times() -> None:
    # Whisper-style words: leading spaces, punctuation kept inside the word.
    passage = of_words(
        [Word(" Send", 1.0, 1.2), Word(" me", 1.2, 1.4), Word(" the code", 1.5, 2.0)]
    )
    (window,) = windows(passage)
    assert passage.text == "Send me the code"
    assert window_text(passage, window) == "Send me the code"
    assert (window.start_seconds, window.end_seconds) == (1.0, 2.0)
