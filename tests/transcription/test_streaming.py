"""The live transcription core: under a scripted recogniser, which words are committed
when, which stay partial, and how much audio each pass hears; then under Whisper."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from modmesh.contracts.evidence import UntranscribedSpeech, Word
from modmesh.runtime.media import AUDIO_SAMPLE_RATE
from modmesh.transcription.domain import StreamUpdate
from modmesh.transcription.language import Language
from modmesh.transcription.streaming import (
    LANGUAGE_EVERY_SECONDS,
    PROMPT_WORDS,
    HasSpeech,
    StreamTranscriber,
)
from modmesh.transcription.whisper import Whisper
from tests.transcription.support import index_of_phrase, make_stream, spoken


def word(text: str, start: float, end: float) -> Word:
    return Word(text, start, end, 0.9)


class Stream:
    """The audio of a scripted stream: loud noise while a word is spoken, faint noise
    between words. Every run of four samples is unique, so a recogniser given a stretch
    of it can tell where in the stream that stretch lies."""

    def __init__(self, script: Sequence[Word], seconds: float) -> None:
        rng = np.random.default_rng(7)
        self.audio = rng.uniform(-1e-3, 1e-3, round(seconds * AUDIO_SAMPLE_RATE))
        for said in script:
            first = round(said.start_seconds * AUDIO_SAMPLE_RATE)
            last = round(said.end_seconds * AUDIO_SAMPLE_RATE)
            self.audio[first:last] *= 500
        self.audio = self.audio.astype(np.float32)

    def offset_of(self, audio: np.ndarray) -> float:
        (first,) = (
            i
            for i in np.flatnonzero(self.audio == audio[0])
            if np.array_equal(self.audio[i : i + 4], audio[:4])
        )
        return int(first) / AUDIO_SAMPLE_RATE


@dataclass
class ScriptedRecogniser:
    """Hears the words of `script` (in stream time) that lie wholly inside the audio it
    is given; a word cut off at the end is misheard as `guess`, as Whisper does with
    half a word. Answers in buffer time, as a recogniser does."""

    script: Sequence[Word]
    seconds: float = 30.0
    guess: str = "hmm"
    #: Hears every word a little differently at each pass: hypotheses that never settle.
    babble: bool = False
    #: Dates the end of every word this much too early, as Whisper often does.
    early_ends: float = 0.0
    passes: list[tuple[float, float]] = field(default_factory=list)
    prompts: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.stream = Stream(self.script, self.seconds)

    def __call__(self, audio: np.ndarray, prompt: str = "") -> list[Word]:
        start = self.stream.offset_of(audio)
        end = start + len(audio) / AUDIO_SAMPLE_RATE
        self.passes.append((start, end))
        self.prompts.append(prompt)
        heard = []
        for said in self.script:
            if said.start_seconds >= start and said.end_seconds <= end:
                heard.append(said)
            elif said.start_seconds >= start and said.start_seconds < end:
                heard.append(word(self.guess, said.start_seconds, end))
        if self.babble:
            heard = [
                word(f"{w.text}{len(self.passes)}", w.start_seconds, w.end_seconds) for w in heard
            ]
        return [
            Word(w.text, w.start_seconds - start, w.end_seconds - self.early_ends - start, 0.9)
            for w in heard
        ]


def sentence(text: str, start: float, seconds_per_word: float = 0.4) -> list[Word]:
    return [
        word(text, start + i * seconds_per_word, start + (i + 0.8) * seconds_per_word)
        for i, text in enumerate(text.split())
    ]


def play(
    recogniser: ScriptedRecogniser,
    seconds: float | None = None,
    has_speech: HasSpeech | None = None,
    **options: Any,
) -> list[StreamUpdate]:
    """Feeds the recogniser's stream (its first `seconds`) to a transcriber in 250 ms
    chunks, stepping whenever a pass is due, then finishes."""
    transcriber = StreamTranscriber(recogniser, has_speech=has_speech, **options)
    audio = recogniser.stream.audio[: round((seconds or recogniser.seconds) * AUDIO_SAMPLE_RATE)]
    updates = []
    chunk = AUDIO_SAMPLE_RATE // 4
    for start in range(0, len(audio), chunk):
        transcriber.feed(audio[start : start + chunk])
        if transcriber.due:
            updates.append(transcriber.step())
    updates.append(transcriber.finish())
    return updates


def committed(updates: Sequence[StreamUpdate]) -> list[Word]:
    return [w for update in updates for w in update.committed]


TALK = (
    sentence("get your free gift card now", 1.0)
    + sentence("the weather is nice today", 6.0)
    + sentence("claim the prize at the link below", 14.0)
    + sentence("thanks for watching everyone", 25.0)
)


def test_every_word_is_committed_once_in_order_with_its_stream_offsets() -> None:
    updates = play(ScriptedRecogniser(TALK))

    assert committed(updates) == TALK


def test_a_word_is_committed_only_when_two_passes_agree_on_it() -> None:
    recogniser = ScriptedRecogniser(TALK)
    transcriber = StreamTranscriber(recogniser)
    transcriber.feed(recogniser.stream.audio[: 2 * AUDIO_SAMPLE_RATE])
    first = transcriber.step()
    transcriber.feed(recogniser.stream.audio[2 * AUDIO_SAMPLE_RATE : 3 * AUDIO_SAMPLE_RATE])
    second = transcriber.step()

    # 0–2 s holds "get your" and a cut-off third word, misheard.
    assert first.committed == ()
    assert [w.text for w in first.partial] == ["get", "your", "hmm"]
    # The next pass hears "free" where "hmm" was: only the agreed words are committed.
    assert [w.text for w in second.committed] == ["get", "your"]
    assert [w.text for w in second.partial][:2] == ["free", "gift"]


def test_partial_words_are_never_committed_when_revised() -> None:
    updates = play(ScriptedRecogniser(TALK))

    assert any(w.text == "hmm" for update in updates for w in update.partial)
    assert all(w.text != "hmm" for w in committed(updates))


def test_the_last_update_commits_what_remains_and_has_no_partial_words() -> None:
    # The stream ends 0.2 s after its last word: no second pass confirms it.
    end = TALK[-1].end_seconds + 0.2
    updates = play(ScriptedRecogniser(TALK), end)

    assert updates[-1].partial == ()
    assert updates[-1].committed[-1] == TALK[-1]
    assert updates[-1].heard_seconds == pytest.approx(end)


def test_each_pass_hears_a_bounded_stretch_of_a_long_stream() -> None:
    talk = [w for minute in range(0, 120, 8) for w in sentence("one two three four five", minute)]
    recogniser = ScriptedRecogniser(talk, seconds=120.0)

    updates = play(recogniser, trim_seconds=6.0, max_buffer_seconds=12.0)

    assert committed(updates) == talk
    assert max(end - start for start, end in recogniser.passes) <= 12.0 + 1.0
    # The cut follows the committed speech: passes late in the stream start late.
    assert recogniser.passes[-1][0] > 100.0


def test_the_buffer_is_cut_in_pauses_never_inside_a_word() -> None:
    recogniser = ScriptedRecogniser(TALK, early_ends=0.25)

    play(recogniser, trim_seconds=2.0, max_buffer_seconds=12.0)

    cuts = {start for start, _ in recogniser.passes} - {0.0}
    assert len(cuts) >= 4
    for cut in cuts:
        assert not any(w.start_seconds <= cut <= w.end_seconds for w in TALK), cut


def test_silence_does_not_grow_the_buffer() -> None:
    recogniser = ScriptedRecogniser([], seconds=60.0)

    updates = play(recogniser, trim_seconds=4.0, max_buffer_seconds=8.0)

    assert committed(updates) == []
    assert max(end - start for start, end in recogniser.passes) <= 4.0 + 1.0


def test_hypotheses_that_never_settle_are_committed_once_the_buffer_is_full() -> None:
    recogniser = ScriptedRecogniser(TALK, babble=True)

    updates = play(recogniser, trim_seconds=6.0, max_buffer_seconds=10.0)

    words = committed(updates)
    # Whatever was said is committed once, in order, and no pass outgrows the bound.
    assert [w.start_seconds for w in words] == sorted(w.start_seconds for w in words)
    assert len({w.start_seconds for w in words}) == len(words)
    assert len(words) >= len(TALK) - 2
    assert max(end - start for start, end in recogniser.passes) <= 10.0 + 1.0


def test_the_last_committed_words_before_the_buffer_go_on_as_a_short_prompt() -> None:
    recogniser = ScriptedRecogniser(TALK)

    play(recogniser, trim_seconds=4.0, max_buffer_seconds=8.0)

    assert recogniser.prompts[0] == ""
    last_start = recogniser.passes[-1][0]
    before = [w.text for w in TALK if w.end_seconds <= last_start]
    assert recogniser.prompts[-1] == " ".join(before[-PROMPT_WORDS:])
    assert len(recogniser.prompts[-1].split()) == PROMPT_WORDS


def test_a_committed_word_heard_again_after_a_cut_is_not_committed_twice() -> None:
    class Echo(ScriptedRecogniser):
        """Also hears the word that ends just before the audio it is given starts,
        squeezed into its first 0.3 s, as Whisper does with the tail of a cut word."""

        def __call__(self, audio: np.ndarray, prompt: str = "") -> list[Word]:
            heard = super().__call__(audio)
            start = self.stream.offset_of(audio)
            before = [w for w in self.script if start - 0.3 <= w.end_seconds <= start]
            if before and start > 0:
                heard.insert(0, word(before[-1].text, 0.0, 0.3))
            return heard

    # Words 0.2 s apart: the buffer is cut in those short pauses, right after a word.
    talk = sentence("one two three four five six seven eight nine ten eleven twelve", 0.5, 1.0)

    updates = play(Echo(talk, seconds=14.0), trim_seconds=4.0, max_buffer_seconds=8.0)

    assert [w.text for w in committed(updates)] == [w.text for w in talk]


def test_every_word_before_the_settled_offset_is_committed_and_at_the_end_all_is() -> None:
    updates = play(ScriptedRecogniser(TALK), trim_seconds=4.0, max_buffer_seconds=8.0)

    settled = [update.settled_seconds for update in updates]
    assert settled == sorted(settled)
    assert settled[-2] > 20.0  # it follows the committed speech through the stream
    for index, update in enumerate(updates):
        so_far = committed(updates[: index + 1])
        assert all(w in so_far for w in TALK if w.start_seconds < update.settled_seconds)
    assert updates[-1].settled_seconds == updates[-1].heard_seconds


def test_a_stream_resumed_from_its_settled_offset_loses_no_word_and_keeps_stream_time() -> None:
    recogniser = ScriptedRecogniser(TALK)
    audio = recogniser.stream.audio
    first = StreamTranscriber(recogniser, trim_seconds=4.0, max_buffer_seconds=8.0)
    before = []
    chunk = AUDIO_SAMPLE_RATE // 4
    # The first call drops 17 s in, without finishing.
    for start in range(0, 17 * AUDIO_SAMPLE_RATE, chunk):
        first.feed(audio[start : start + chunk])
        if first.due:
            before.append(first.step())
    resume_at = before[-1].settled_seconds
    assert 0 < resume_at < 17.0

    second = StreamTranscriber(
        recogniser, trim_seconds=4.0, max_buffer_seconds=8.0, start_seconds=resume_at
    )
    after = []
    for start in range(round(resume_at * AUDIO_SAMPLE_RATE), len(audio), chunk):
        second.feed(audio[start : start + chunk])
        if second.due:
            after.append(second.step())
    after.append(second.finish())

    kept = [w for w in committed(before) if w.start_seconds < resume_at]
    assert kept + committed(after) == TALK
    assert after[-1].heard_seconds == pytest.approx(recogniser.seconds)


def loud(audio: np.ndarray) -> bool:
    """The scripted streams' voice-activity detector: a word is loud, the rest faint."""
    return len(audio) > 0 and float(np.abs(audio).max()) > 0.1


def test_with_a_speech_detector_every_word_is_committed_once_in_half_the_passes() -> None:
    every = ScriptedRecogniser(TALK)
    gated = ScriptedRecogniser(TALK)

    assert committed(play(gated, has_speech=loud)) == committed(play(every)) == TALK
    assert len(gated.passes) <= len(every.passes) / 2


def test_a_stream_without_speech_costs_no_recogniser_pass_and_settles_as_it_goes() -> None:
    recogniser = ScriptedRecogniser([], seconds=60.0)

    updates = play(recogniser, has_speech=loud, trim_seconds=4.0, max_buffer_seconds=8.0)

    assert (recogniser.passes, committed(updates)) == ([], [])
    assert updates[-2].settled_seconds >= 60.0 - 4.0 - 1.0


def test_passes_go_on_after_the_speech_ends_until_its_last_words_are_committed() -> None:
    talk = sentence("claim your gift card today", 1.0)
    recogniser = ScriptedRecogniser(talk, seconds=10.0)

    updates = play(recogniser, has_speech=loud)

    # Committed by passes a second or two after "today", not left to the stream's end.
    assert committed(updates[:-1]) == talk
    assert recogniser.passes[-1][1] <= talk[-1].end_seconds + 2.5


def test_bounds_must_be_ordered() -> None:
    with pytest.raises(ValueError, match="step_seconds <= trim_seconds"):
        StreamTranscriber(ScriptedRecogniser([]), step_seconds=5.0, trim_seconds=2.0)
    with pytest.raises(ValueError, match="start_seconds"):
        StreamTranscriber(ScriptedRecogniser([]), start_seconds=-1.0)


#: A short stream for Whisper at the live cadence: a pass for every second of audio.
SHORT_SCRIPT = (
    (1.5, "Hello everyone, and welcome back to the stream.", False),
    (1.0, "Claim your free gift card today.", True),
    (3.0, "", False),
)


def at_live_cadence(transcriber: StreamTranscriber, samples: np.ndarray) -> list[StreamUpdate]:
    """Feeds the samples in 100 ms chunks, a pass whenever one is due, then finishes."""
    updates = []
    for start in range(0, len(samples), AUDIO_SAMPLE_RATE // 10):
        transcriber.feed(samples[start : start + AUDIO_SAMPLE_RATE // 10])
        if transcriber.due:
            updates.append(transcriber.step())
    updates.append(transcriber.finish())
    return updates


def test_under_whisper_at_the_live_cadence_a_phrase_is_committed_once_at_its_offset(
    whisper: Whisper, tmp_path: Path
) -> None:
    stream = make_stream(tmp_path, SHORT_SCRIPT)
    transcriber = StreamTranscriber(
        lambda audio, prompt: whisper.transcribe_live(audio, prompt).words
    )
    updates = at_live_cadence(transcriber, stream.samples)

    words = committed(updates)
    texts = spoken(w.text for w in words)
    (phrase,) = stream.planted
    found = index_of_phrase(texts, phrase.words)
    assert texts.count("gift") == 1
    assert words[found].start_seconds == pytest.approx(phrase.start_seconds, abs=0.5)
    # Committed a pass or two after it was said, not only when the stream ended.
    committed_at = next(
        u.heard_seconds for u in updates if "today" in spoken(w.text for w in u.committed)
    )
    assert committed_at <= phrase.end_seconds + 3.0
    assert len(updates) >= 10


def test_under_whisper_the_speech_gate_skips_the_silence_and_keeps_the_phrase(
    whisper: Whisper, tmp_path: Path
) -> None:
    stream = make_stream(tmp_path, SHORT_SCRIPT)
    transcriber = StreamTranscriber(
        lambda audio, prompt: whisper.transcribe_live(audio, prompt).words,
        has_speech=whisper.has_speech,
    )
    updates = at_live_cadence(transcriber, stream.samples)

    texts = spoken(w.text for w in committed(updates))
    (phrase,) = stream.planted
    assert index_of_phrase(texts, phrase.words) >= 0
    assert texts.count("gift") == 1
    assert transcriber.skipped >= 1


def test_a_committed_word_never_starts_inside_the_one_committed_before_it() -> None:
    # Word times wobble between passes: the third pass dates "three" from inside "two".
    said = [word("one", 0.2, 0.6), word("two", 0.6, 1.0)]
    passes = iter([said, [*said, word("three", 1.1, 1.4)], [*said, word("three", 0.95, 1.4)]])
    transcriber = StreamTranscriber(lambda audio, prompt: next(passes), step_seconds=1.0)
    committed: list[Word] = []
    for _ in range(3):
        transcriber.feed(np.zeros(AUDIO_SAMPLE_RATE, np.float32))
        committed += transcriber.step().committed

    assert [w.text for w in committed] == ["one", "two", "three"]
    assert committed[2].start_seconds == committed[1].end_seconds
    assert committed[2].end_seconds == 1.4


@dataclass
class ScriptedIdentifier:
    """Names the language of the scripted stream's words inside the audio it is given:
    those spoken between `foreign_from` and `foreign_until` are French, the rest English,
    named as surely as the one language outnumbers the other."""

    recogniser: ScriptedRecogniser
    foreign_from: float
    foreign_until: float
    #: Calls that heard speech (and would cost a model's pass).
    named: int = 0

    def __call__(self, audio: np.ndarray) -> Language | None:
        start = self.recogniser.stream.offset_of(audio)
        end = start + len(audio) / AUDIO_SAMPLE_RATE
        said = [w for w in self.recogniser.script if start <= w.start_seconds < end]
        if not said:
            return None
        self.named += 1
        foreign = [w for w in said if self.foreign_from <= w.start_seconds < self.foreign_until]
        code = "fr" if len(foreign) * 2 > len(said) else "en"
        # As sure as the words of one language outnumber the other's: a mix is unsure.
        share = max(len(foreign), len(said) - len(foreign)) / len(said)
        return Language(code, share, said[0].start_seconds - start, said[-1].end_seconds - start)


def english_only(language: Language) -> bool:
    return language.code == "en"


def untranscribed(updates: Sequence[StreamUpdate]) -> list[UntranscribedSpeech]:
    return [speech for update in updates for speech in update.untranscribed]


FRENCH = sentence("bonjour à tous et bienvenue dans notre émission du soir", 1.0)


def test_speech_the_recogniser_does_not_transcribe_is_reported_with_its_language_not_heard() -> (
    None
):
    recogniser = ScriptedRecogniser(FRENCH * 1 + sentence("encore une fois merci", 8.0), 20.0)
    identify = ScriptedIdentifier(recogniser, 0.0, 20.0)

    updates = play(recogniser, identify=identify, transcribes=english_only)

    assert committed(updates) == []
    heard = untranscribed(updates)
    assert {speech.language for speech in heard} == {"fr"}
    # Every French word lies in a reported range, and the ranges never overlap.
    for said in recogniser.script:
        assert any(
            s.time_range.start_seconds <= said.start_seconds < s.time_range.end_seconds
            for s in heard
        )
    ends = [s.time_range.end_seconds for s in heard]
    starts = [s.time_range.start_seconds for s in heard]
    assert all(end <= start for end, start in zip(ends, starts[1:], strict=False))
    # Named once a few seconds were buffered; no recogniser pass after that.
    assert all(end <= 3.5 for _, end in recogniser.passes)
    assert updates[-1].settled_seconds == updates[-1].heard_seconds == recogniser.seconds


def test_a_stream_that_switches_back_to_a_transcribed_language_is_heard_again() -> None:
    english = sentence("claim your free gift card today", 16.0)
    recogniser = ScriptedRecogniser([*FRENCH, *english], 30.0)
    identify = ScriptedIdentifier(recogniser, 0.0, 12.0)

    updates = play(recogniser, identify=identify, transcribes=english_only)

    assert committed(updates) == english
    assert {s.language for s in untranscribed(updates)} == {"fr"}


def test_english_named_after_a_pause_is_heard_though_the_speech_gate_hears_only_the_pause() -> None:
    # English from 11 s to 13.3 s; the naming at 17 s finds it, after 3 s of quiet.
    english = sentence("claim your free gift card today", 11.0)
    recogniser = ScriptedRecogniser([*FRENCH, *english], 25.0)
    identify = ScriptedIdentifier(recogniser, 0.0, 6.0)

    updates = play(recogniser, has_speech=loud, identify=identify, transcribes=english_only)

    assert committed(updates) == english


def test_an_english_stream_is_named_once_then_every_half_minute() -> None:
    recogniser = ScriptedRecogniser(TALK, 40.0)
    identify = ScriptedIdentifier(recogniser, 0.0, 0.0)

    updates = play(recogniser, identify=identify, transcribes=english_only)

    assert committed(updates) == TALK
    assert untranscribed(updates) == []
    assert identify.named <= 1 + 40.0 / LANGUAGE_EVERY_SECONDS


def test_after_a_switch_back_the_english_is_heard_whole_and_only_the_last_french_with_it() -> None:
    # French until 13 s, English from 14.5 s: the naming at 17 s hears both, unsurely.
    french = sentence("bonjour à tous et bienvenue dans notre émission", 1.0, 1.5)
    english = sentence("claim your free gift card today", 14.5)
    recogniser = ScriptedRecogniser([*french, *english], 30.0)
    identify = ScriptedIdentifier(recogniser, 0.0, 14.0)

    updates = play(recogniser, identify=identify, transcribes=english_only)

    words = committed(updates)
    assert words[-len(english) :] == english
    # The French named as French (before 7 s) was never heard; what follows it shared a
    # buffer with the English and was (the price of naming every 10 s).
    assert min(w.start_seconds for w in words) >= 7.0
