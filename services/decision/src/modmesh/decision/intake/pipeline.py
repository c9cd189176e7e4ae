"""The orchestrator: gathers evidence for a case from the engines, applies the rules in
force and records the outcome.

Transcription and similarity search run in parallel; term matching (as the lists stood
at the content's capture time) and scoring then run on the transcript's words. A score
is a second opinion: scoring that fails leaves the case without scores (it says why).
Whatever happens, the case stays stored: another engine that is unavailable makes it
RETRYING (analysed again after a backoff, FAILED past the retry budget), any other
engine error marks it FAILED with the engine named.

One replica at a time analyses a case: it claims the case (a lease in the database),
renews the lease while it works, and records the outcome only while it still holds
it. Each replica's claimer takes over cases whose holder died (lease expired) and
RETRYING cases that are due, so no case waits for a restart.
"""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import structlog
from opentelemetry import trace

from modmesh.decision.domain import (
    Case,
    CaseStatus,
    Evidence,
    ModelScore,
    Outcome,
    TermHit,
    Transcript,
)
from modmesh.decision.intake.engines import EngineError, Engines
from modmesh.decision.intake.retry import RetryPolicy
from modmesh.decision.intake.store import IntakeStore, LeaseLost
from modmesh.decision.intake.windows import transcribe_in_windows
from modmesh.decision.policy.conditions import Facts
from modmesh.decision.settings import DecisionSettings
from modmesh.runtime.tracing import annotate

log = structlog.get_logger()
_tracer = trace.get_tracer("modmesh.decision")

#: Analyses running at once in one replica; the rest wait, so that a backlog does not
#: flood the engines (transcription especially) with every case together.
MAX_CONCURRENT_ANALYSES = 4


def replica_id() -> str:
    """This process's name as a lease holder: unique per start, readable in the database."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True)
class Leasing:
    """How a replica holds the cases it analyses and when it looks for more."""

    holder: str = field(default_factory=replica_id)
    #: How long a claim lasts without renewal; renewed every third of it.
    lease_seconds: float = 30.0
    claim_interval_seconds: float = 5.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)


async def gather_evidence(
    engines: Engines, case: Case, transcription: Awaitable[Transcript]
) -> Evidence:
    """Asks every engine about the case's media (transcription's answer is awaited from
    `transcription`, window by window); raises EngineError naming each failure."""
    transcribed, searched = await asyncio.gather(
        transcription, engines.search(case.media), return_exceptions=True
    )
    failures = [r for r in (transcribed, searched) if isinstance(r, BaseException)]
    for failure in failures:
        if not isinstance(failure, EngineError):
            raise failure
    if failures:
        # Both engines are reported, so one look at the case says everything that is down;
        # waiting helps only when every failure is one that waiting cures.
        raise EngineError(
            "; ".join(str(f) for f in failures),
            transient=all(isinstance(f, EngineError) and f.transient for f in failures),
        )
    if not isinstance(transcribed, Transcript) or not isinstance(searched, list):
        raise TypeError("the engines answered with unexpected types")  # no failure left
    hits: list[TermHit] = []
    scores: list[ModelScore] = []
    missing = ""
    if transcribed.words:
        matched, scored = await asyncio.gather(
            engines.match(transcribed.words, case.source.capture_time),
            engines.score(transcribed.words),
            return_exceptions=True,
        )
        if isinstance(matched, BaseException):
            raise matched
        hits = matched
        if isinstance(scored, EngineError):
            # A score is a second opinion beside the hits: the case goes on without one,
            # saying why, rather than waiting on the model (README, "Model scores"). The
            # case (and its statement of reasons, which the account reads) names only the
            # status; the log has the details, addresses included.
            log.warning("case scored without a model", case_id=case.case_id, error=str(scored))
            missing = f"scoring failed: {scored.code or 'no answer'}"
        elif isinstance(scored, BaseException):
            raise scored
        else:
            scores = scored
    return Evidence(
        transcript=transcribed,
        term_hits=tuple(hits),
        similarity_matches=tuple(searched),
        model_scores=tuple(scores),
        scores_missing=missing,
    )


class Pipeline:
    """Runs each case's analysis as a background task and records what it found."""

    def __init__(
        self,
        store: IntakeStore,
        engines: Engines,
        on_action: Callable[[], None] = lambda: None,
        leasing: Leasing | None = None,
        window_seconds: float = DecisionSettings.transcribe_window_seconds,
    ) -> None:
        self._store = store
        self._engines = engines
        #: Media is transcribed this many seconds at a time (windows.py).
        self._window_seconds = window_seconds
        #: Called when a rule acted by itself, so its delivery goes out at once.
        self._on_action = on_action
        self._leasing = leasing or Leasing()
        self._slots = asyncio.Semaphore(MAX_CONCURRENT_ANALYSES)
        self._tasks: set[asyncio.Task[None]] = set()
        #: The cases this replica holds a lease on now.
        self._held: set[str] = set()

    def start(self, case_id: str) -> asyncio.Task[None]:
        """Analyses the case in the background if this replica can claim it (nobody
        else holds it); the caller need not wait for it."""
        return self._spawn(case_id, claimed=False)

    async def claim_due(self) -> list[asyncio.Task[None]]:
        """Claims as many due cases as this replica has free analysis slots (cases of
        dead replicas, RETRYING cases whose time has come) and starts their analysis."""
        free = MAX_CONCURRENT_ANALYSES - len(self._tasks)
        if free <= 0:
            return []
        leasing = self._leasing
        case_ids = await asyncio.to_thread(
            self._store.claim_due, leasing.holder, leasing.lease_seconds, free
        )
        if case_ids:
            log.info("cases claimed", count=len(case_ids), holder=leasing.holder)
        return [self._spawn(case_id, claimed=True) for case_id in case_ids]

    async def run_claimer(self) -> None:
        """Claims due cases at start and then every claim interval, until cancelled. A
        database that cannot be reached is tried again at the next interval."""
        while True:
            try:
                await self.claim_due()
            except Exception as error:  # noqa: BLE001 - any database error; retried
                log.warning("claiming due cases failed", error=str(error))
            await asyncio.sleep(self._leasing.claim_interval_seconds)

    def _spawn(self, case_id: str, claimed: bool) -> asyncio.Task[None]:
        task = asyncio.create_task(
            self._traced_analysis(case_id, claimed), name=f"analyse-{case_id}"
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _traced_analysis(self, case_id: str, claimed: bool) -> None:
        # asyncio copies the current context into the task, so this span is a child of
        # the Submit RPC's span even though it runs after Submit has answered: one trace
        # per item. Cases the claimer takes have no such parent and start a trace.
        with _tracer.start_as_current_span("analyse case", attributes={"modmesh.case_id": case_id}):
            await self.analyse(case_id, claimed)

    async def analyse(self, case_id: str, claimed: bool = False) -> None:
        """Claims the case (unless the claimer did) and analyses it while holding it.
        Nothing is recorded by a replica that lost the case to another."""
        async with self._slots:
            if not claimed and not await self._claim(case_id):
                return
            try:
                async with self._lease(case_id):
                    await self._analyse_held(case_id)
            except LeaseLost as lost:
                log.warning("case lost to another replica; nothing recorded", error=str(lost))
            except asyncio.CancelledError:
                raise
            except Exception:
                # The database failed the write: nothing was recorded (one transaction),
                # and the case is analysed again once its lease expires.
                log.exception("recording the analysis failed", case_id=case_id)

    async def _claim(self, case_id: str) -> bool:
        leasing = self._leasing
        try:
            if await asyncio.to_thread(
                self._store.claim_case, case_id, leasing.holder, leasing.lease_seconds
            ):
                return True
        except Exception as error:  # noqa: BLE001 - the database; the claimer tries again
            log.warning("claiming a case failed", case_id=case_id, error=str(error))
            return False
        log.info("case held by another replica or decided", case_id=case_id)
        return False

    async def _analyse_held(self, case_id: str) -> None:
        holder = self._leasing.holder
        case = await asyncio.to_thread(self._store.get, case_id)
        annotate(media_sha256=case.media.sha256)
        try:
            transcription = transcribe_in_windows(
                self._engines, self._store, case, self._window_seconds, holder
            )
            evidence = await gather_evidence(self._engines, case, transcription)
        except EngineError as error:
            if not error.transient:
                log.warning("case failed", case_id=case_id, error=str(error))
                await asyncio.to_thread(self._store.record_failure, case_id, str(error), holder)
                return
            retried = await asyncio.to_thread(
                self._store.record_retry, case_id, str(error), holder, self._leasing.retry
            )
            log.warning(
                "case retrying" if retried.status is CaseStatus.RETRYING else "case failed",
                case_id=case_id,
                error=str(error),
                attempts=retried.attempts,
                next_attempt_at=retried.next_attempt_at,
            )
            return
        except Exception:
            # A bug here must not leave the case PROCESSING forever; the details stay
            # in the log, under the case id.
            log.exception("case analysis crashed", case_id=case_id)
            await asyncio.to_thread(
                self._store.record_failure,
                case_id,
                "internal error in the decision service; its log has the details",
                holder,
            )
            return
        outcome = await asyncio.to_thread(self._decide, case, evidence)
        log.info(
            "case analysed",
            case_id=case_id,
            status=outcome.status.value,
            priority=None if outcome.priority is None else outcome.priority.name,
        )

    @asynccontextmanager
    async def _lease(self, case_id: str) -> AsyncIterator[None]:
        """Renews the case's lease while the block runs; cancels the block when the
        lease turns out to be lost (another replica has the case now)."""
        analysis = asyncio.current_task()
        leasing = self._leasing

        async def renew() -> None:
            while True:
                await asyncio.sleep(leasing.lease_seconds / 3)
                try:
                    held = await asyncio.to_thread(
                        self._store.renew_lease, case_id, leasing.holder, leasing.lease_seconds
                    )
                except Exception as error:  # noqa: BLE001 - the database; tried again
                    log.warning("renewing a case lease failed", case_id=case_id, error=str(error))
                    continue
                if not held:
                    log.warning("case lease lost; analysis stopped", case_id=case_id)
                    if analysis is not None:
                        analysis.cancel()
                    return

        self._held.add(case_id)
        heartbeat = asyncio.create_task(renew(), name=f"renew-{case_id}")
        try:
            yield
        finally:
            self._held.discard(case_id)
            heartbeat.cancel()
            await asyncio.gather(heartbeat, return_exceptions=True)

    def _decide(self, case: Case, evidence: Evidence) -> Outcome:
        """Applies the rules in force now and records what they decided."""
        rules = self._store.active_rules().rule_set
        account = self._store.account(case.source.account_id)
        facts = Facts(evidence, account.flags, account.protected)
        decision = rules.decide(facts)
        self._store.record_outcome(case.case_id, evidence, decision, self._leasing.holder)
        if decision.auto_action is not None:
            self._on_action()
        return decision.outcome

    async def close(self) -> None:
        """Stops analyses in flight and gives their cases up: they stay PROCESSING and
        another replica (or this one, started again) claims them at once."""
        held = list(self._held)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if held:
            try:
                await asyncio.to_thread(self._store.release_leases, held, self._leasing.holder)
            except Exception as error:  # noqa: BLE001 - their leases expire instead
                log.warning("releasing case leases failed", error=str(error))
