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
    Priority,
    SimilarityMatch,
    TermHit,
    Transcript,
)
from modmesh.decision.intake.engines import EngineError
from modmesh.decision.intake.pipeline import Pipeline
from modmesh.runtime.blobs import Blob
from tests.decision.examples import CAPTURED, media, similarity_match, source, term_hit, transcript
from tests.support import AUDIT_KEY


class FakeEngines:
    def __init__(
        self,
        transcript: Transcript | EngineError,
        matches: Sequence[SimilarityMatch] | EngineError = (),
        hits: Sequence[TermHit] = (),
    ) -> None:
        self.transcript = transcript
        self.matches = matches
        self.hits = hits
        self.match_calls: list[tuple[tuple[Word, ...], datetime]] = []

    async def transcribe(self, media: Blob) -> Transcript:
        if isinstance(self.transcript, EngineError):
            raise self.transcript
        return self.transcript

    async def search(self, media: Blob) -> list[SimilarityMatch]:
        if isinstance(self.matches, EngineError):
            raise self.matches
        return list(self.matches)

    async def match(self, words: Sequence[Word], capture_time: datetime) -> list[TermHit]:
        self.match_calls.append((tuple(words), capture_time))
        return list(self.hits)


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


async def test_an_engine_error_fails_the_case_naming_the_engine(store: CaseStore) -> None:
    engines = FakeEngines(EngineError("transcription failed: UNAVAILABLE: connection refused"))

    case = store.get(await analysed(store, engines))

    assert case.status is CaseStatus.FAILED
    assert case.error == "transcription failed: UNAVAILABLE: connection refused"
    assert engines.match_calls == []


async def test_every_failing_engine_is_named(store: CaseStore) -> None:
    engines = FakeEngines(
        EngineError("transcription failed: UNAVAILABLE: a"),
        EngineError("similarity failed: DEADLINE_EXCEEDED: b"),
    )

    case = store.get(await analysed(store, engines))

    assert "transcription failed: UNAVAILABLE" in case.error
    assert "similarity failed: DEADLINE_EXCEEDED" in case.error


async def test_cases_left_processing_are_resumed(store: CaseStore) -> None:
    waiting = [store.submit(media(n), source())[0].case_id for n in range(3)]
    pipeline = Pipeline(store, FakeEngines(transcript(), hits=[term_hit()]))

    for task in await pipeline.resume():
        await task

    assert [store.get(case_id).status for case_id in waiting] == [CaseStatus.OPEN] * 3


async def test_closing_stops_analyses_and_leaves_their_cases_processing(
    store: CaseStore,
) -> None:
    started = asyncio.Event()

    class Stuck(FakeEngines):
        async def transcribe(self, media: Blob) -> Transcript:
            started.set()
            await asyncio.Event().wait()
            raise AssertionError("never answers")

    case_id = store.submit(media(), source())[0].case_id
    pipeline = Pipeline(store, Stuck(transcript()))
    pipeline.start(case_id)
    await started.wait()

    await pipeline.close()

    assert store.get(case_id).status is CaseStatus.PROCESSING
