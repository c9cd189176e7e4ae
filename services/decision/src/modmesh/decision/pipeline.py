"""The orchestrator: gathers evidence for a case from the engines, applies the rules in
force and records the outcome.

Transcription and similarity search run in parallel; term matching then runs on the
transcript's words as the lists stood at the content's capture time. Whatever happens,
the case stays stored: an engine error marks it FAILED with the engine named, and a
case interrupted by a shutdown is still PROCESSING and is resumed at the next start.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import datetime
from typing import Protocol, TypeVar

import grpc
import structlog
from opentelemetry import trace

from modmesh.contracts.evidence import Word
from modmesh.contracts.similarity.v1 import similarity_pb2, similarity_pb2_grpc
from modmesh.contracts.termmatch.v1 import termmatch_pb2, termmatch_pb2_grpc
from modmesh.contracts.timestamps import to_timestamp
from modmesh.contracts.transcription.v1 import transcription_pb2, transcription_pb2_grpc
from modmesh.decision import convert
from modmesh.decision.domain import (
    Case,
    Evidence,
    Outcome,
    SimilarityMatch,
    TermHit,
    Transcript,
)
from modmesh.decision.live import TranscriptUpdate
from modmesh.decision.rules import Facts
from modmesh.decision.settings import DecisionSettings
from modmesh.decision.storage import CaseStore
from modmesh.runtime.blobs import Blob
from modmesh.runtime.clients import connect
from modmesh.runtime.errors import NotFound, Relayed
from modmesh.runtime.tracing import annotate

log = structlog.get_logger()
_tracer = trace.get_tracer("modmesh.decision")

#: Analyses running at once; the rest wait, so that a backlog resumed at start-up does
#: not flood the engines (transcription especially) with every case together.
MAX_CONCURRENT_ANALYSES = 4

T = TypeVar("T")


class EngineError(Exception):
    """An engine refused or failed a call; the message names the engine and its status."""


class Engines(Protocol):
    """The three engines as the pipeline needs them, in domain types."""

    async def transcribe(self, media: Blob) -> Transcript: ...

    async def search(self, media: Blob) -> list[SimilarityMatch]: ...

    async def match(self, words: Sequence[Word], capture_time: datetime) -> list[TermHit]: ...


class GrpcEngines:
    """The engines reached over gRPC at the addresses in the settings."""

    def __init__(self, settings: DecisionSettings) -> None:
        self._timeout = settings.engine_timeout_seconds
        self._channels = {
            name: connect(str(getattr(settings, f"{name}_addr")))
            for name in ("transcription", "termmatch", "similarity")
        }
        self._transcription = transcription_pb2_grpc.TranscriptionServiceStub(
            self._channels["transcription"]
        )
        self._termmatch = termmatch_pb2_grpc.TermMatchServiceStub(self._channels["termmatch"])
        self._similarity = similarity_pb2_grpc.SimilarityServiceStub(self._channels["similarity"])

    async def transcribe(self, media: Blob) -> Transcript:
        reply = await _call(
            "transcription",
            self._transcription.Transcribe(
                transcription_pb2.TranscribeRequest(media=convert.media_ref(media)),
                timeout=self._timeout,
            ),
        )
        return convert.transcript_from_pb(
            reply.text, reply.words, reply.language, reply.language_probability, reply.model
        )

    async def transcribe_stream(
        self, opening: transcription_pb2.StreamOpen, audio: AsyncIterator[bytes]
    ) -> AsyncIterator[TranscriptUpdate]:
        """Transcribes a live stream's chunks as they come. A refusal keeps the
        transcription service's status and message (the format and the chunks are
        checked there), named as its."""

        async def requests() -> AsyncIterator[transcription_pb2.TranscribeStreamRequest]:
            yield transcription_pb2.TranscribeStreamRequest(open=opening)
            async for chunk in audio:
                yield transcription_pb2.TranscribeStreamRequest(audio=chunk)

        call = self._transcription.TranscribeStream(requests())
        try:
            async for reply in call:
                yield TranscriptUpdate(
                    convert.words_from_pb(reply.committed), reply.settled_seconds
                )
        except grpc.aio.AioRpcError as error:
            raise Relayed(error.code().name, f"transcription: {error.details()}") from None
        finally:
            call.cancel()

    async def search(self, media: Blob) -> list[SimilarityMatch]:
        reply = await _call(
            "similarity",
            self._similarity.Search(
                similarity_pb2.SearchRequest(media=convert.media_ref(media)),
                timeout=self._timeout,
            ),
        )
        return [convert.similarity_match_from_pb(match) for match in reply.matches]

    async def match(
        self, words: Sequence[Word], capture_time: datetime, list_ids: Sequence[str] = ()
    ) -> list[TermHit]:
        request = termmatch_pb2.MatchRequest(
            words=termmatch_pb2.WordSequence(words=convert.words_to_pb(words)),
            list_ids=list(list_ids),
            capture_time=to_timestamp(capture_time),
        )
        reply = await _call("termmatch", self._termmatch.Match(request, timeout=self._timeout))
        return [convert.term_hit_from_pb(hit) for hit in reply.hits]

    async def check_list(self, list_id: str) -> None:
        """Raises NotFound when termmatch has no such list, EngineError when it fails."""
        try:
            await self._termmatch.GetList(
                termmatch_pb2.GetListRequest(list_id=list_id), timeout=self._timeout
            )
        except grpc.aio.AioRpcError as error:
            if error.code() == grpc.StatusCode.NOT_FOUND:
                raise NotFound(f"termmatch has no list {list_id!r}", field="list_id") from None
            raise EngineError(f"termmatch failed: {error.code().name}: {error.details()}") from None

    async def close(self) -> None:
        for channel in self._channels.values():
            await channel.close()


async def _call(engine: str, call: Awaitable[T]) -> T:
    try:
        return await call
    except grpc.aio.AioRpcError as error:
        raise EngineError(f"{engine} failed: {error.code().name}: {error.details()}") from None


async def gather_evidence(engines: Engines, case: Case) -> Evidence:
    """Asks every engine about the case's media; raises EngineError naming each failure."""
    transcribed, searched = await asyncio.gather(
        engines.transcribe(case.media), engines.search(case.media), return_exceptions=True
    )
    failures = [r for r in (transcribed, searched) if isinstance(r, BaseException)]
    for failure in failures:
        if not isinstance(failure, EngineError):
            raise failure
    if failures:
        # Both engines are reported, so one look at the case says everything that is down.
        raise EngineError("; ".join(str(f) for f in failures))
    assert isinstance(transcribed, Transcript) and isinstance(searched, list)
    hits: list[TermHit] = []
    if transcribed.words:
        hits = await engines.match(transcribed.words, case.source.capture_time)
    return Evidence(
        transcript=transcribed, term_hits=tuple(hits), similarity_matches=tuple(searched)
    )


class Pipeline:
    """Runs each case's analysis as a background task and records what it found."""

    def __init__(
        self, store: CaseStore, engines: Engines, on_action: Callable[[], None] = lambda: None
    ) -> None:
        self._store = store
        self._engines = engines
        #: Called when a rule acted by itself, so its delivery goes out at once.
        self._on_action = on_action
        self._slots = asyncio.Semaphore(MAX_CONCURRENT_ANALYSES)
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self, case_id: str) -> asyncio.Task[None]:
        """Analyses the case in the background; the caller need not wait for it."""
        task = asyncio.create_task(self._traced_analysis(case_id), name=f"analyse-{case_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def resume(self) -> list[asyncio.Task[None]]:
        """Restarts the analysis of every case left PROCESSING."""
        case_ids = await asyncio.to_thread(self._store.processing_ids)
        return [self.start(case_id) for case_id in case_ids]

    async def _traced_analysis(self, case_id: str) -> None:
        # asyncio copies the current context into the task, so this span is a child of
        # the Submit RPC's span even though it runs after Submit has answered: one trace
        # per item. Cases resumed at start-up have no such parent and start a trace.
        with _tracer.start_as_current_span("analyse case", attributes={"modmesh.case_id": case_id}):
            await self.analyse(case_id)

    async def analyse(self, case_id: str) -> None:
        async with self._slots:
            case = await asyncio.to_thread(self._store.get, case_id)
            annotate(media_sha256=case.media.sha256)
            try:
                evidence = await gather_evidence(self._engines, case)
            except EngineError as error:
                log.warning("case failed", case_id=case_id, error=str(error))
                await asyncio.to_thread(self._store.record_failure, case_id, str(error))
                return
            except Exception:
                # A bug here must not leave the case PROCESSING forever; the details stay
                # in the log, under the case id.
                log.exception("case analysis crashed", case_id=case_id)
                await asyncio.to_thread(
                    self._store.record_failure,
                    case_id,
                    "internal error in the decision service; its log has the details",
                )
                return
            outcome = await asyncio.to_thread(self._decide, case, evidence)
            log.info(
                "case analysed",
                case_id=case_id,
                status=outcome.status.value,
                priority=None if outcome.priority is None else outcome.priority.name,
            )

    def _decide(self, case: Case, evidence: Evidence) -> Outcome:
        """Applies the rules in force now and records what they decided."""
        rules = self._store.active_rules().rule_set
        account = self._store.account(case.source.account_id)
        facts = Facts(evidence, account.flags, account.protected)
        decision = rules.decide(facts)
        self._store.record_outcome(case.case_id, evidence, decision)
        if decision.auto_action is not None:
            self._on_action()
        return decision.outcome

    async def close(self) -> None:
        """Stops analyses in flight; their cases stay PROCESSING and resume at next start."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
