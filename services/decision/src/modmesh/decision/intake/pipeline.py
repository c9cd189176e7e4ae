"""The orchestrator: gathers evidence for a case from the engines, applies the rules in
force and records the outcome.

Transcription and similarity search run in parallel; term matching then runs on the
transcript's words as the lists stood at the content's capture time. Whatever happens,
the case stays stored: an engine error marks it FAILED with the engine named, and a
case interrupted by a shutdown is still PROCESSING and is resumed at the next start.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import structlog
from opentelemetry import trace

from modmesh.decision.domain import (
    Case,
    Evidence,
    Outcome,
    TermHit,
    Transcript,
)
from modmesh.decision.intake.engines import EngineError, Engines
from modmesh.decision.intake.store import IntakeStore
from modmesh.decision.policy.conditions import Facts
from modmesh.runtime.tracing import annotate

log = structlog.get_logger()
_tracer = trace.get_tracer("modmesh.decision")

#: Analyses running at once; the rest wait, so that a backlog resumed at start-up does
#: not flood the engines (transcription especially) with every case together.
MAX_CONCURRENT_ANALYSES = 4


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
    if not isinstance(transcribed, Transcript) or not isinstance(searched, list):
        raise TypeError("the engines answered with unexpected types")  # no failure left
    hits: list[TermHit] = []
    if transcribed.words:
        hits = await engines.match(transcribed.words, case.source.capture_time)
    return Evidence(
        transcript=transcribed, term_hits=tuple(hits), similarity_matches=tuple(searched)
    )


class Pipeline:
    """Runs each case's analysis as a background task and records what it found."""

    def __init__(
        self, store: IntakeStore, engines: Engines, on_action: Callable[[], None] = lambda: None
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
