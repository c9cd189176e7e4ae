"""The live corpus's hardest minute, in `make test`: the two planted streams in a row of
bench/live's corpus whose terms the full benchmark heard least (planted-3 and planted-4:
190 and 130 wpm, pink noise at 20 and 10 dB), and a term-free minute over the louder
noise (term-free-4), each through what a live stream goes through (StreamTranscriber
with Whisper's live passes, the speech gate and language identification; the sample
list's matcher), as `bench/live/recall.py` runs them.

It guards what the benchmark measured, not the targets it does not meet yet (README,
"Recall on the live corpus"): every term the last full run (bench/results/
live-recall.json) flagged in these streams is flagged again, and no hit of the sample
list lands anywhere else, nor in the term-free minute. Latency is the benchmark's.
"""

from __future__ import annotations

import itertools
import json

import pytest

from bench.live.corpus import CorpusStream, planted_streams, prose_sentences, term_free_streams
from bench.live.recall import RESULTS, Tally, hits, sample_list
from modmesh.termmatch.matcher import CompiledLists
from modmesh.transcription.whisper import Whisper

HARDEST = ("planted-3", "planted-4")
TERM_FREE = "term-free-4"


def heard_by_the_benchmark(stream: CorpusStream) -> set[str]:
    """The terms the last full run flagged in the stream."""
    missed = {
        miss["term"]
        for miss in json.loads(RESULTS.read_text())["misses"]
        if miss["stream"] == stream.name
    }
    return {said.term_id for said in stream.utterances if said.term_id} - missed


@pytest.fixture(scope="module")
def streams() -> list[CorpusStream]:
    term_list = sample_list()
    terms = [(t.term_id, t.text) for t in term_list.terms]
    planted = [s for s in planted_streams(terms, 5) if s.name in HARDEST]
    term_free = next(
        s
        for s in itertools.islice(term_free_streams(prose_sentences(), 10.0), 5)
        if s.name == TERM_FREE
    )
    return [*planted, term_free]


def test_the_hardest_minute_flags_what_the_benchmark_flagged_and_invents_nothing(
    whisper: Whisper, streams: list[CorpusStream]
) -> None:
    term_list = sample_list()
    lists = CompiledLists([term_list])
    tally = Tally()

    for stream in streams:
        words = tally.run(whisper, stream, hints="")
        tally.score(stream, words, hits(lists, term_list.list_id, words))

    missed = {(miss["stream"], miss["term"]) for miss in tally.misses}
    for stream in streams:
        for term_id in heard_by_the_benchmark(stream):
            assert (stream.name, term_id) not in missed, f"{term_id}: not heard in {stream.name}"
    assert tally.false_flags == []
    assert tally.untranscribed == []  # English named another language would lose words
