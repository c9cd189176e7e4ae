"""The orchestration, in-process, with engines that answer from memory."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path

import pytest

from modmesh.contracts.evidence import Word
from modmesh.decision.compose import SqlStore as CaseStore
from modmesh.decision.domain import (
    CaseStatus,
    ModelScore,
    Priority,
    SimilarityMatch,
    TermHit,
    Transcript,
)
from modmesh.decision.intake import windows
from modmesh.decision.intake.engines import EngineError, TranscriptWindow
from modmesh.decision.intake.pipeline import Leasing, Pipeline
from modmesh.decision.intake.retry import RetryPolicy
from modmesh.decision.intake.windows import WINDOW_ATTEMPTS
from modmesh.runtime.blobs import Blob
from tests.decision.examples import CAPTURED, media, similarity_match, source, term_hit, transcript
from tests.support import AUDIT_KEY


class FakeEngines:
    def __init__(
        self,
        transcript: Transcript | EngineError,
        matches: Sequence[SimilarityMatch] | EngineError = (),
        hits: Sequence[TermHit] = (),
        scores: Sequence[ModelScore] | EngineError = (),
    ) -> None:
        self.transcript = transcript
        self.matches = matches
        self.hits = hits
        self.scores = scores
        self.match_calls: list[tuple[tuple[Word, ...], datetime]] = []

    async def transcribe(
        self, media: Blob, start_seconds: float, window_seconds: float
    ) -> TranscriptWindow:
        if isinstance(self.transcript, EngineError):
            raise self.transcript
        return TranscriptWindow(self.transcript, start_seconds, 10.0, complete=True)

    async def search(self, media: Blob) -> list[SimilarityMatch]:
        if isinstance(self.matches, EngineError):
            raise self.matches
        return list(self.matches)

    async def match(self, words: Sequence[Word], capture_time: datetime) -> list[TermHit]:
        self.match_calls.append((tuple(words), capture_time))
        return list(self.hits)

    async def score(self, words: Sequence[Word]) -> list[ModelScore]:
        if isinstance(self.scores, EngineError):
            raise self.scores
        return list(self.scores)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[CaseStore]:
    store = CaseStore(f"sqlite:///{tmp_path / 'decision.db'}", audit_key=AUDIT_KEY)
    yield store
    store.close()


async def analysed(store: CaseStore, engines: FakeEngines) -> str:
    case_id = store.submit(media(), source())[0].case_id
    await Pipeline(store, engines).analyse(case_id)
    return case_id


async def test_terms_are_matched_in_the_transcript_words_at_the_capture_time(
    store: CaseStore,
) -> None:
    engines = FakeEngines(transcript(), hits=[term_hit()])

    case = store.get(await analysed(store, engines))

    assert engines.match_calls == [(transcript().words, CAPTURED)]
    assert case.status is CaseStatus.OPEN
    assert case.priority is Priority.HIGH
    assert case.evidence is not None
    assert case.evidence.term_hits == (term_hit(),)
    assert case.evidence.transcript == transcript()
    assert '"free gift card"' in case.statement


async def test_a_similarity_match_is_recorded_as_evidence(store: CaseStore) -> None:
    case = store.get(await analysed(store, FakeEngines(transcript(), [similarity_match()])))

    assert case.status is CaseStatus.OPEN
    assert case.evidence is not None
    assert case.evidence.similarity_matches == (similarity_match(),)


async def test_silent_media_skips_term_matching_and_finds_no_evidence(store: CaseStore) -> None:
    engines = FakeEngines(Transcript())

    case = store.get(await analysed(store, engines))

    assert engines.match_calls == []
    assert case.status is CaseStatus.NO_EVIDENCE
    assert "no evidence found" in case.statement


async def test_a_scoring_that_is_down_leaves_the_case_decided_on_its_hits_saying_why(
    store: CaseStore,
) -> None:
    down = EngineError(
        "scoring failed: UNAVAILABLE: ipv4:10.0.0.7:50055 refused",
        transient=True,
        code="UNAVAILABLE",
    )
    engines = FakeEngines(transcript(), hits=[term_hit()], scores=down)

    case = store.get(await analysed(store, engines))

    assert case.status is CaseStatus.OPEN
    assert case.evidence is not None
    assert case.evidence.model_scores == ()
    assert case.evidence.scores_missing == "scoring failed: UNAVAILABLE"
    assert "No model scores: scoring failed: UNAVAILABLE." in case.statement
    assert "10.0.0.7" not in case.statement  # the mesh's addresses stay in its log


async def test_a_permanent_engine_error_fails_the_case_naming_the_engine(
    store: CaseStore,
) -> None:
    engines = FakeEngines(EngineError("transcription failed: INVALID_ARGUMENT: not audio"))

    case = store.get(await analysed(store, engines))

    assert case.status is CaseStatus.FAILED
    assert case.error == "transcription failed: INVALID_ARGUMENT: not audio"
    assert engines.match_calls == []


async def test_every_failing_engine_is_named(store: CaseStore) -> None:
    engines = FakeEngines(
        EngineError("transcription failed: INVALID_ARGUMENT: a"),
        EngineError("similarity failed: DEADLINE_EXCEEDED: b", transient=True),
    )

    case = store.get(await analysed(store, engines))

    assert case.status is CaseStatus.FAILED  # one engine's error is permanent
    assert "transcription failed: INVALID_ARGUMENT" in case.error
    assert "similarity failed: DEADLINE_EXCEEDED" in case.error


async def test_cases_nobody_holds_are_claimed_and_analysed(store: CaseStore) -> None:
    waiting = [store.submit(media(n), source())[0].case_id for n in range(3)]
    pipeline = Pipeline(store, FakeEngines(transcript(), hits=[term_hit()]))

    for task in await pipeline.claim_due():
        await task

    assert [store.get(case_id).status for case_id in waiting] == [CaseStatus.OPEN] * 3


class Stuck(FakeEngines):
    """Transcription that never answers; `started` is set once it was asked."""

    def __init__(self) -> None:
        super().__init__(transcript())
        self.started = asyncio.Event()

    async def transcribe(
        self, media: Blob, start_seconds: float, window_seconds: float
    ) -> TranscriptWindow:
        self.started.set()
        await asyncio.Event().wait()
        raise AssertionError("never answers")


async def test_closing_stops_analyses_and_gives_their_cases_to_any_replica(
    store: CaseStore,
) -> None:
    case_id = store.submit(media(), source())[0].case_id
    engines = Stuck()
    pipeline = Pipeline(store, engines)
    pipeline.start(case_id)
    await engines.started.wait()

    await pipeline.close()

    assert store.get(case_id).status is CaseStatus.PROCESSING
    assert store.claim_due("another-replica", 30, limit=10) == [case_id]


async def test_an_unavailable_engine_leaves_the_case_retrying_until_its_next_attempt(
    store: CaseStore,
) -> None:
    down = EngineError("transcription failed: UNAVAILABLE: Connection refused", transient=True)

    case = store.get(await analysed(store, FakeEngines(down)))

    assert case.status is CaseStatus.RETRYING
    assert (case.error, case.attempts) == (str(down), 1)
    assert case.next_attempt_at is not None
    assert store.claim_due("replica", 30, limit=10) == []  # 5 s away at the earliest


async def test_an_analysis_whose_case_another_replica_took_records_nothing(
    store: CaseStore,
) -> None:
    case_id = store.submit(media(), source())[0].case_id
    engines = Stuck()
    pipeline = Pipeline(store, engines, leasing=Leasing(holder="slow", lease_seconds=0.3))
    analysis = pipeline.start(case_id)
    await engines.started.wait()

    # As if "slow" had stalled past its lease and another replica had claimed the case.
    store.release_leases([case_id], "slow")
    assert store.claim_case(case_id, "another-replica", 30)
    await asyncio.wait_for(asyncio.gather(analysis, return_exceptions=True), timeout=5)

    assert analysis.cancelled()  # its next renewal found the lease gone
    assert store.get(case_id).status is CaseStatus.PROCESSING
    assert [e.action for e in store.audit_log() if e.subject == case_id] == ["case.submitted"]


class LongMedia(FakeEngines):
    """A file of `windows` windows of WINDOW s, one word heard in each (10 s into it);
    `failing[start]` calls for the window at `start` fail as if its replica died."""

    WINDOW = 300.0

    def __init__(self, windows: int, failing: dict[float, int] | None = None) -> None:
        super().__init__(transcript())
        self.duration = windows * self.WINDOW - 100
        self.failing = dict(failing or {})
        self.asked: list[float] = []

    async def transcribe(
        self, media: Blob, start_seconds: float, window_seconds: float
    ) -> TranscriptWindow:
        assert window_seconds == self.WINDOW
        self.asked.append(start_seconds)
        if self.failing.get(start_seconds, 0) > 0:
            self.failing[start_seconds] -= 1
            raise EngineError("transcription failed: UNAVAILABLE: Stream removed", transient=True)
        end = min(self.duration, start_seconds + window_seconds)
        word = Word(f"w{start_seconds:g}", start_seconds + 10, start_seconds + 11, 0.9)
        heard = Transcript(
            text=word.text, words=(word,), language="en", language_probability=0.9,
            model_name="whisper", model_version="tiny.en",
        )  # fmt: skip
        return TranscriptWindow(heard, start_seconds, end, complete=end >= self.duration)


@pytest.fixture(autouse=True)
def no_pause_between_window_calls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(windows, "WINDOW_RETRY_PAUSE_SECONDS", 0.0)


def long_pipeline(store: CaseStore, engines: LongMedia) -> Pipeline:
    """Retries due at once, so a test can take a RETRYING case up again."""
    leasing = Leasing(retry=RetryPolicy(first_seconds=0.0))
    return Pipeline(store, engines, leasing=leasing, window_seconds=LongMedia.WINDOW)


async def test_long_media_is_heard_window_by_window_and_the_windows_joined(
    store: CaseStore,
) -> None:
    engines = LongMedia(windows=3)
    case_id = store.submit(media(), source())[0].case_id

    await long_pipeline(store, engines).analyse(case_id)

    evidence = store.get(case_id).evidence
    assert evidence is not None
    assert evidence.transcript is not None
    assert engines.asked == [0, 300, 600]
    assert [(w.text, w.start_seconds) for w in evidence.transcript.words] == [
        ("w0", 10), ("w300", 310), ("w600", 610)
    ]  # fmt: skip
    assert evidence.transcript.text == "w0 w300 w600"
    assert store.heard_windows(case_id) == [], "the evidence replaces the kept windows"


async def test_a_window_whose_replica_died_is_asked_for_again(
    store: CaseStore,
) -> None:
    engines = LongMedia(windows=3, failing={300: 1})
    case_id = store.submit(media(), source())[0].case_id

    await long_pipeline(store, engines).analyse(case_id)

    assert engines.asked == [0, 300, 300, 600]
    assert store.get(case_id).status is CaseStatus.NO_EVIDENCE  # decided: nothing was hit


async def test_a_case_retried_goes_on_from_the_last_window_heard(store: CaseStore) -> None:
    engines = LongMedia(windows=4, failing={600: WINDOW_ATTEMPTS})
    case_id = store.submit(media(), source())[0].case_id
    pipeline = long_pipeline(store, engines)

    await pipeline.analyse(case_id)
    assert store.get(case_id).status is CaseStatus.RETRYING
    assert [w.end_seconds for w in store.heard_windows(case_id)] == [300, 600]

    engines.asked.clear()
    for task in await pipeline.claim_due():
        await task

    assert engines.asked == [600, 900]
    case = store.get(case_id)
    assert case.status is CaseStatus.NO_EVIDENCE
    assert case.evidence is not None
    assert case.evidence.transcript is not None
    assert case.evidence.transcript.text == "w0 w300 w600 w900"


async def test_a_short_clip_is_one_window_and_nothing_is_kept(store: CaseStore) -> None:
    engines = FakeEngines(transcript())
    kept: list[TranscriptWindow] = []
    store.record_window = lambda case_id, window, holder: kept.append(window)  # type: ignore[method-assign]

    await analysed(store, engines)

    assert kept == []
