"""Recall and false flags of live moderation on the live corpus (bench/live/corpus.py).

    .venv/bin/python bench/live/recall.py                   # the full corpus
    .venv/bin/python bench/live/recall.py --planted 4 --term-free-minutes 2   # a look
    .venv/bin/python bench/live/recall.py --recorded    # recorded speech (make bench-speech)

Each stream goes through what a live stream goes through, in this process and as fast
as the machine allows instead of in real time: transcription's `StreamTranscriber`
with Whisper's live passes and the speech gate, fed 100 ms chunks with a pass whenever
one is due (the cadence of a real-time stream that the service keeps up with), and the
committed words matched against the sample list with termmatch's matcher under the
list's own flags, as decision matches them. Latency is not measured here (bench/live/
run.py measures it in real time, through the services).

A planted term counts as flagged when a hit of that term lies within its utterance
(0.5 s either side); every other hit is a false flag. It reports recall (by voice, rate,
bed and position), every miss with the words the recogniser committed over its
utterance, false flags per hour of term-free speech with the words that made them, and
writes them to bench/results/live-recall.json.

`--recorded` runs the recorded human speech instead (see corpus.py): recall of a list of
phrases from the recordings' transcripts, where the transcripts say them, and false
flags of the sample list (which no recording says) per hour; it writes
bench/results/live-recall-recorded.json.
"""

from __future__ import annotations

import argparse
import bisect
import dataclasses
import itertools
import json
import os
import platform
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from google.protobuf import json_format

from bench.live.corpus import (
    CorpusStream,
    planted_streams,
    prose_sentences,
    recorded_phrases,
    recorded_speech,
    recorded_streams,
    term_free_streams,
)
from modmesh.cli.samples import TERM_LIST
from modmesh.contracts.evidence import Severity, UntranscribedSpeech, Word
from modmesh.contracts.termmatch.v1 import termmatch_pb2
from modmesh.runtime.media import AUDIO_SAMPLE_RATE
from modmesh.termmatch.convert import settings_from_pb
from modmesh.termmatch.domain import Term, TermList
from modmesh.termmatch.matcher import CompiledLists
from modmesh.transcription.settings import TranscriptionSettings
from modmesh.transcription.streaming import StreamTranscriber
from modmesh.transcription.whisper import Whisper

RESULTS = Path(__file__).resolve().parents[1] / "results" / "live-recall.json"
RESULTS_RECORDED = RESULTS.with_name("live-recall-recorded.json")
#: A hit counts for a planted term when it lies this close to the term's utterance.
TOLERANCE_SECONDS = 0.5
CHUNK = AUDIO_SAMPLE_RATE // 10


def sample_list() -> TermList:
    """The sample list as termmatch holds it (all its terms are whole-word terms)."""
    request = json_format.ParseDict(
        json.loads(TERM_LIST.read_text()), termmatch_pb2.CreateListRequest()
    )
    now = datetime.now(UTC)
    terms = tuple(Term(t.term_id, t.text, Severity(t.severity), t.category) for t in request.terms)
    return TermList(request.list_id, 1, settings_from_pb(request), terms, now, now)


def phrase_list(phrases: Sequence[str], like: TermList) -> TermList:
    """A list of `phrases` under the flags of `like`."""
    terms = tuple(
        Term(f"phrase-{index}", text, Severity.LOW, "recorded")
        for index, text in enumerate(phrases)
    )
    now = datetime.now(UTC)
    return TermList("recorded-phrases", 1, like.settings, terms, now, now)


@dataclass(frozen=True)
class Heard:
    """What transcription made of one stream."""

    words: list[Word]
    passes: int
    skipped: int
    #: Speech it named a language the recogniser does not transcribe: in this English
    #: corpus, every one is English heard as another language, and its words are lost.
    untranscribed: list[UntranscribedSpeech]


def transcribe(whisper: Whisper, stream: CorpusStream, hints: str) -> Heard:
    """The stream as the service hears it: speech gate and language identification."""
    transcriber = StreamTranscriber(
        lambda audio, prompt: whisper.transcribe_live(audio, prompt, hints).words,
        has_speech=whisper.has_speech,
        identify=whisper.identify,
        transcribes=whisper.transcribes,
    )
    words: list[Word] = []
    untranscribed: list[UntranscribedSpeech] = []
    for start in range(0, len(stream.samples), CHUNK):
        transcriber.feed(stream.samples[start : start + CHUNK])
        if transcriber.due:
            update = transcriber.step()
            words += update.committed
            untranscribed += update.untranscribed
    update = transcriber.finish()
    return Heard(
        words + list(update.committed),
        transcriber.passes,
        transcriber.skipped,
        untranscribed + list(update.untranscribed),
    )


def hits(lists: CompiledLists, list_id: str, words: Sequence[Word]) -> list[tuple[str, Word]]:
    """(term id, first word of the hit) of every hit in the committed words, joined and
    mapped back as termmatch's `match_words` does (which needs a store; this does not)."""
    text = ""
    starts = []
    for word in words:
        starts.append(len(text))
        text += word.text + " "
    return [
        (found.term.term_id, words[bisect.bisect_right(starts, found.start) - 1])
        for found in lists.find(text, [list_id], datetime.now(UTC))
    ]


def heard_during(words: Iterable[Word], start: float, end: float) -> str:
    return " ".join(w.text for w in words if w.end_seconds > start and w.start_seconds < end)


def rate(found: int, total: int) -> dict[str, Any]:
    recall = round(found / total, 3) if total else None
    return {"flagged": found, "planted": total, "recall": recall}


@dataclass
class Tally:
    """What the streams gave, as they are run."""

    #: [flagged, planted] by dimension (voice, rate, bed, position, term) and value.
    by: dict[str, dict[str, list[int]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(lambda: [0, 0]))
    )
    misses: list[dict[str, Any]] = field(default_factory=list)
    false_flags: list[dict[str, Any]] = field(default_factory=list)
    planted_seconds: float = 0.0
    term_free_seconds: float = 0.0
    passes: int = 0
    skipped: int = 0
    untranscribed: list[dict[str, Any]] = field(default_factory=list)

    def run(self, whisper: Whisper, stream: CorpusStream, hints: str) -> list[Word]:
        heard = transcribe(whisper, stream, hints)
        self.passes += heard.passes
        self.skipped += heard.skipped
        self.untranscribed += [
            {
                "stream": stream.name,
                "voice": stream.voice,
                "language": s.language,
                "probability": round(s.language_probability, 3),
                "seconds": [
                    round(s.time_range.start_seconds, 2),
                    round(s.time_range.end_seconds, 2),
                ],
            }
            for s in heard.untranscribed
        ]
        words = heard.words
        if any(said.term_id for said in stream.utterances):
            self.planted_seconds += stream.seconds
        else:
            self.term_free_seconds += stream.seconds
        return words

    def score(self, stream: CorpusStream, words: list[Word], found: list[tuple[str, Word]]) -> None:
        """Counts each planted term flagged or missed, and every other hit as false."""
        claimed: set[int] = set()
        for said in stream.utterances:
            if not said.term_id:
                continue  # term-free speech: every hit in it is false
            matching = [
                index
                for index, (term_id, word) in enumerate(found)
                if term_id == said.term_id
                and said.start_seconds - TOLERANCE_SECONDS
                <= word.start_seconds
                <= said.end_seconds + TOLERANCE_SECONDS
            ]
            claimed.update(matching)
            dimensions = {
                "voice": stream.voice,
                "rate": str(stream.rate),
                "bed": stream.bed,
                "position": said.position,
                "term": said.term_id,
            }
            for key, value in dimensions.items():
                self.by[key][value][0] += bool(matching)
                self.by[key][value][1] += 1
            if not matching:
                heard = heard_during(words, said.start_seconds, said.end_seconds)
                self.misses.append(
                    {"stream": stream.name, **dimensions, "said": said.text, "heard": heard}
                )
        for index, (term_id, word) in enumerate(found):
            if index not in claimed:
                context = heard_during(words, word.start_seconds - 3, word.end_seconds + 3)
                self.false_flags.append(
                    {"stream": stream.name, "list": "sample", "term": term_id, "heard": context}
                )

    def score_recorded(
        self, stream: CorpusStream, words: list[Word], lists: CompiledLists, list_id: str
    ) -> None:
        """Recall of a phrase list on recorded speech: each time an utterance's transcript
        says a phrase, a hit of it must lie within the utterance; hits beyond that are
        false flags."""
        found = hits(lists, list_id, words)
        now = datetime.now(UTC)
        for said in stream.utterances:
            truth = Counter(o.term.term_id for o in lists.find(said.text, [list_id], now))
            near = Counter(
                term_id
                for term_id, word in found
                if said.start_seconds - TOLERANCE_SECONDS
                <= word.start_seconds
                <= said.end_seconds + TOLERANCE_SECONDS
            )
            for term_id, count in truth.items():
                flagged = min(count, near[term_id])
                self.by["recorded"][term_id][0] += flagged
                self.by["recorded"][term_id][1] += count
                self.by["term"]["recorded"][0] += flagged
                self.by["term"]["recorded"][1] += count
                if flagged < count:
                    heard = heard_during(words, said.start_seconds, said.end_seconds)
                    self.misses.append(
                        {"stream": stream.name, "term": term_id, "said": said.text, "heard": heard}
                    )
            for term_id, count in (near - truth).items():
                heard = heard_during(words, said.start_seconds, said.end_seconds)
                self.false_flags.extend(
                    {"stream": stream.name, "list": "recorded", "term": term_id, "heard": heard}
                    for _ in range(count)
                )

    def report(self) -> dict[str, Any]:
        planted = sum(counts[1] for counts in self.by["term"].values())
        flagged = sum(counts[0] for counts in self.by["term"].values())
        hours = self.term_free_seconds / 3600
        # Hits in the planted streams that are not their planted terms are false too,
        # but the rate is per hour of term-free speech, where every hit is one.
        term_free = [f for f in self.false_flags if not f["stream"].startswith("planted")]
        sample = [f for f in term_free if f["list"] == "sample"]
        return {
            "recall": rate(flagged, planted),
            "recall_by": {
                key: {value: rate(*counts) for value, counts in sorted(values.items())}
                for key, values in self.by.items()
            },
            "misses": self.misses,
            "planted_audio_seconds": round(self.planted_seconds, 1),
            "term_free_audio_seconds": round(self.term_free_seconds, 1),
            "false_flags_in_term_free_speech": len(term_free),
            "false_flags_per_hour": round(len(term_free) / hours, 2) if hours else None,
            # The sample list's, in speech that never says its terms (recorded: the
            # phrase list's are counted above too, where the transcript does not say them).
            "sample_list_false_flags_per_hour": round(len(sample) / hours, 2) if hours else None,
            "false_flags_in_planted_streams": len(self.false_flags) - len(term_free),
            "false_flag_details": self.false_flags,
            "passes": self.passes,
            "passes_skipped_by_speech_gate": self.skipped,
            # English speech named another language: not transcribed (language.py).
            "english_named_another_language": self.untranscribed,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--planted", type=int, default=24, help="streams of planted terms")
    parser.add_argument("--term-free-minutes", type=float, default=30.0)
    parser.add_argument("--output", type=Path, default=None)
    parser.add_argument(
        "--hints", action="store_true", help="bias the recogniser towards the list's terms"
    )
    parser.add_argument(
        "--recorded", action="store_true", help="recorded human speech (make bench-speech)"
    )
    args = parser.parse_args()
    output = args.output or (RESULTS_RECORDED if args.recorded else RESULTS)

    started = datetime.now(UTC)
    term_list = sample_list()
    lists = CompiledLists([term_list])
    whisper = Whisper.load(TranscriptionSettings.from_env())
    clock = time.monotonic()
    tally = Tally()
    terms = [(t.term_id, t.text) for t in term_list.terms]
    hints = ", ".join(text for _, text in terms) if args.hints else ""
    recorded = recorded_speech() if args.recorded else []
    phrases = phrase_list(recorded_phrases(recorded, 60), term_list)
    phrase_lists = CompiledLists([phrases])
    streams = (
        recorded_streams(recorded)
        if args.recorded
        else itertools.chain(
            planted_streams(terms, args.planted),
            term_free_streams(prose_sentences(), args.term_free_minutes),
        )
    )
    # The same words matched again with hits by sound as well (the list flag sounds_like):
    # what that evidence kind adds to recall and to false flags, on the same transcripts.
    sounding = dataclasses.replace(
        term_list.settings,
        flags=dataclasses.replace(term_list.settings.flags, sounds_like=True),
    )
    sound_lists = CompiledLists([dataclasses.replace(term_list, settings=sounding)])
    with_sounds = Tally()
    for stream in streams:
        words = tally.run(whisper, stream, hints)
        # Every hit of the sample list is false in speech that never says its terms.
        tally.score(stream, words, hits(lists, term_list.list_id, words))
        with_sounds.term_free_seconds = tally.term_free_seconds
        with_sounds.score(stream, words, hits(sound_lists, term_list.list_id, words))
        if args.recorded:
            tally.score_recorded(stream, words, phrase_lists, phrases.list_id)
        print(
            f"{stream.name} ({stream.voice}, {stream.rate} wpm, {stream.bed}): "
            f"{len(tally.misses)} missed, {len(tally.false_flags)} false flags so far",
            file=sys.stderr,
        )
    report = {
        "benchmark": "live recall and false flags on the live corpus, in process and faster "
        "than real time (StreamTranscriber with the speech gate, termmatch's matcher)",
        "started": started.isoformat(),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "model": whisper.info.name,
        "hints": hints,
        "list": {
            "list_id": term_list.list_id,
            "flags": dataclasses.asdict(term_list.settings.flags),
        },
        "recorded_phrases": [t.text for t in phrases.terms] if args.recorded else [],
        **tally.report(),
        "with_hits_by_sound": {
            key: value
            for key, value in with_sounds.report().items()
            if key
            in ("recall", "false_flags_in_term_free_speech", "false_flags_per_hour", "misses")
        }
        | {"false_flag_details": with_sounds.false_flags},
        "wall_seconds": round(time.monotonic() - clock, 1),
    }
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, indent=2) + "\n")
    summary = ("recall", "false_flags_in_term_free_speech", "false_flags_per_hour")
    print(json.dumps({key: report[key] for key in summary}))
    print(f"wrote {output}")


if __name__ == "__main__":
    main()
