"""The DecisionService servicer: validates requests, stores cases and hands analysis to
the pipeline. Domain errors raised here become gRPC statuses in the runtime."""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import grpc
import structlog

from modmesh.contracts.decision.v1 import decision_pb2, decision_pb2_grpc
from modmesh.contracts.timestamps import to_datetime
from modmesh.contracts.transcription.v1 import transcription_pb2
from modmesh.decision import convert, live, review, rules
from modmesh.decision.actions import ActionAdapter, Dispatcher, WebhookAdapter, adapter_from
from modmesh.decision.backfill import backfill
from modmesh.decision.domain import CARRIED_OUT, LiveFlag, Source
from modmesh.decision.pipeline import EngineError, GrpcEngines, Pipeline
from modmesh.decision.settings import DecisionSettings
from modmesh.decision.sor import statement_of_reasons
from modmesh.decision.storage import CaseStore, utc_now
from modmesh.runtime import blobs, media
from modmesh.runtime.blobs import Blob
from modmesh.runtime.errors import InvalidArgument, Unavailable
from modmesh.runtime.server import Service
from modmesh.runtime.tracing import annotate

log = structlog.get_logger()

DEFAULT_LIST_LIMIT = 50
MAX_LIST_LIMIT = 500
DEFAULT_BACKFILL_RATE = 20.0
MAX_BACKFILL_RATE = 1000.0
#: Backfill progress is streamed at most this often (and once at the end).
PROGRESS_SECONDS = 0.5
DEFAULT_DRY_RUN_DAYS = 7
MAX_DRY_RUN_DAYS = 365
DEFAULT_DRY_RUN_LIMIT = 100
MAX_DRY_RUN_LIMIT = 1000


@dataclass
class _Running:
    store: CaseStore
    engines: GrpcEngines
    pipeline: Pipeline
    dispatcher: Dispatcher
    dispatching: asyncio.Task[None]


class DecisionServicer(decision_pb2_grpc.DecisionServiceServicer):
    def __init__(self, settings: DecisionSettings) -> None:
        self._settings = settings
        self._running: _Running | None = None
        self._adapter: ActionAdapter | None = None

    async def load(self) -> None:
        """Opens the database and resumes every case a previous run left PROCESSING."""
        settings = self._settings
        adapter = adapter_from(settings)  # a misconfigured adapter stops start-up here
        store = await asyncio.to_thread(CaseStore, settings.store_url)
        engines = GrpcEngines(settings)
        dispatcher = Dispatcher(
            store, adapter, settings.action_max_attempts, settings.action_retry_seconds
        )
        self._adapter = adapter
        self._running = _Running(
            store,
            engines,
            Pipeline(store, engines, on_action=dispatcher.wake),
            dispatcher,
            asyncio.create_task(dispatcher.run(), name="dispatch-actions"),
        )
        resumed = await self._running.pipeline.resume()
        log.info("cases resumed", count=len(resumed))

    async def close(self) -> None:
        if self._running is None:
            return
        await self._running.pipeline.close()
        self._running.dispatching.cancel()
        await asyncio.gather(self._running.dispatching, return_exceptions=True)
        if isinstance(self._adapter, WebhookAdapter):
            await self._adapter.close()
        await self._running.engines.close()
        self._running.store.close()

    async def Submit(
        self, request: decision_pb2.SubmitRequest, context: grpc.aio.ServicerContext
    ) -> decision_pb2.SubmitResponse:
        running = self._ready()
        if not request.HasField("media"):
            raise InvalidArgument("media is required", field="media")
        source = request.source
        if not source.account_id.strip():
            raise InvalidArgument("source.account_id is required", field="source.account_id")
        blob = convert.blob_from_pb(request.media)
        await asyncio.to_thread(_check_media, blob, self._settings.max_media_bytes)
        case, created = await asyncio.to_thread(
            running.store.submit,
            blob,
            Source(
                account_id=source.account_id,
                content_id=source.content_id or blob.sha256,
                capture_time=to_datetime(source.capture_time)
                if source.HasField("capture_time")
                else utc_now(),
            ),
        )
        annotate(case_id=case.case_id, media_sha256=blob.sha256, duplicate=not created)
        if created:
            # Started inside this RPC's span: the analysis joins the submitted item's trace.
            running.pipeline.start(case.case_id)
        return decision_pb2.SubmitResponse(
            case_id=case.case_id,
            status=convert.status_to_pb(case.status),
            duplicate=not created,
        )

    async def GetCase(
        self, request: decision_pb2.GetCaseRequest, context: grpc.aio.ServicerContext
    ) -> decision_pb2.GetCaseResponse:
        running = self._ready()
        _require_case_id(request.case_id)
        case = await asyncio.to_thread(running.store.get, request.case_id)
        return decision_pb2.GetCaseResponse(case=convert.case_to_pb(case))

    async def ListCases(
        self, request: decision_pb2.ListCasesRequest, context: grpc.aio.ServicerContext
    ) -> decision_pb2.ListCasesResponse:
        running = self._ready()
        status = convert.status_from_pb(request.status)
        limit = _list_limit(request.limit)
        cases = await asyncio.to_thread(running.store.list_cases, status, limit)
        return decision_pb2.ListCasesResponse(cases=[convert.case_to_pb(c) for c in cases])

    async def RecordAction(
        self, request: decision_pb2.RecordActionRequest, context: grpc.aio.ServicerContext
    ) -> decision_pb2.RecordActionResponse:
        running = self._ready()
        _require_case_id(request.case_id)
        action_type = convert.action_type_from_pb(request.type)
        _require_text(request.actor, "actor", "name the reviewer")
        if action_type in CARRIED_OUT and not request.reason.strip():
            raise InvalidArgument(
                f"reason is required for {action_type.value}: name the policy", field="reason"
            )
        case = await asyncio.to_thread(
            running.store.record_action,
            request.case_id,
            action_type,
            request.actor,
            request.reason,
        )
        running.dispatcher.wake()
        return decision_pb2.RecordActionResponse(case=convert.case_to_pb(case))

    async def PutReviewer(
        self, request: decision_pb2.PutReviewerRequest, context: grpc.aio.ServicerContext
    ) -> decision_pb2.PutReviewerResponse:
        running = self._ready()
        _require_text(request.reviewer.reviewer_id, "reviewer.reviewer_id", "name the reviewer")
        _require_text(request.actor, "actor", "name who makes the change")
        _require_text(request.reason, "reason", "say why")
        reviewer = await asyncio.to_thread(
            running.store.put_reviewer,
            convert.reviewer_from_pb(request.reviewer),
            request.actor,
            request.reason,
        )
        return decision_pb2.PutReviewerResponse(reviewer=convert.reviewer_to_pb(reviewer))

    async def PutAccount(
        self, request: decision_pb2.PutAccountRequest, context: grpc.aio.ServicerContext
    ) -> decision_pb2.PutAccountResponse:
        running = self._ready()
        _require_text(request.account.account_id, "account.account_id", "name the account")
        _require_text(request.actor, "actor", "name who makes the change")
        _require_text(request.reason, "reason", "say why")
        account = await asyncio.to_thread(
            running.store.put_account,
            convert.account_from_pb(request.account),
            request.actor,
            request.reason,
        )
        return decision_pb2.PutAccountResponse(account=convert.account_to_pb(account))

    async def ListQueue(
        self, request: decision_pb2.ListQueueRequest, context: grpc.aio.ServicerContext
    ) -> decision_pb2.ListQueueResponse:
        running = self._ready()
        _require_text(request.reviewer_id, "reviewer_id", "name the reviewer")
        limit = _list_limit(request.limit)
        cases = await asyncio.to_thread(
            running.store.review_queue,
            request.reviewer_id,
            convert.queue_from_pb(request.queue),
            limit,
        )
        return decision_pb2.ListQueueResponse(cases=[convert.case_to_pb(c) for c in cases])

    async def ClaimCase(
        self, request: decision_pb2.ClaimCaseRequest, context: grpc.aio.ServicerContext
    ) -> decision_pb2.ClaimCaseResponse:
        running = self._ready()
        _require_case_id(request.case_id)
        _require_text(request.reviewer_id, "reviewer_id", "name the reviewer")
        seconds = request.lease_seconds or review.DEFAULT_LEASE_SECONDS
        if not 1 <= seconds <= review.MAX_LEASE_SECONDS:
            raise InvalidArgument(
                f"lease_seconds must be between 1 and {review.MAX_LEASE_SECONDS}",
                field="lease_seconds",
            )
        case = await asyncio.to_thread(
            running.store.claim, request.case_id, request.reviewer_id, seconds
        )
        return decision_pb2.ClaimCaseResponse(case=convert.case_to_pb(case))

    async def ReleaseCase(
        self, request: decision_pb2.ReleaseCaseRequest, context: grpc.aio.ServicerContext
    ) -> decision_pb2.ReleaseCaseResponse:
        running = self._ready()
        _require_case_id(request.case_id)
        _require_text(request.reviewer_id, "reviewer_id", "name the reviewer")
        case = await asyncio.to_thread(running.store.release, request.case_id, request.reviewer_id)
        return decision_pb2.ReleaseCaseResponse(case=convert.case_to_pb(case))

    async def PutRules(
        self, request: decision_pb2.PutRulesRequest, context: grpc.aio.ServicerContext
    ) -> decision_pb2.PutRulesResponse:
        running = self._ready()
        _require_text(request.actor, "actor", "name who publishes the rules")
        _require_text(request.reason, "reason", "say why the rules change")
        document = rules.load_document(request.document)
        published = await asyncio.to_thread(
            running.store.publish_rules, document, request.document, request.actor, request.reason
        )
        log.info("rules published", version=published.rule_set.version, actor=request.actor)
        return decision_pb2.PutRulesResponse(rule_set=convert.rule_set_to_pb(published))

    async def GetRules(
        self, request: decision_pb2.GetRulesRequest, context: grpc.aio.ServicerContext
    ) -> decision_pb2.GetRulesResponse:
        running = self._ready()
        if request.version < 0:
            raise InvalidArgument("version must be positive, or 0 for the rules in force")
        if request.version == 0:
            published = await asyncio.to_thread(running.store.active_rules)
        else:
            published = await asyncio.to_thread(running.store.rules, request.version)
        return decision_pb2.GetRulesResponse(rule_set=convert.rule_set_to_pb(published))

    async def DryRunRules(
        self, request: decision_pb2.DryRunRulesRequest, context: grpc.aio.ServicerContext
    ) -> decision_pb2.DryRunRulesResponse:
        running = self._ready()
        days = request.days or DEFAULT_DRY_RUN_DAYS
        if not 1 <= days <= MAX_DRY_RUN_DAYS:
            raise InvalidArgument(f"days must be between 1 and {MAX_DRY_RUN_DAYS}", field="days")
        limit = request.limit or DEFAULT_DRY_RUN_LIMIT
        if not 1 <= limit <= MAX_DRY_RUN_LIMIT:
            raise InvalidArgument(f"limit must be between 1 and {MAX_DRY_RUN_LIMIT}", field="limit")
        current = (await asyncio.to_thread(running.store.active_rules)).rule_set
        proposed = rules.parse_rule_set(rules.load_document(request.document), current.version + 1)
        since = utc_now() - timedelta(days=days)
        cases = await asyncio.to_thread(running.store.decided_since, since)
        report = await asyncio.to_thread(rules.dry_run, current, proposed, cases)
        return decision_pb2.DryRunRulesResponse(
            cases_considered=report.considered,
            cases_changed=len(report.changes),
            changes=[_change_to_pb(change) for change in report.changes[:limit]],
            compared_with_version=current.version,
        )

    async def FileAppeal(
        self, request: decision_pb2.FileAppealRequest, context: grpc.aio.ServicerContext
    ) -> decision_pb2.FileAppealResponse:
        running = self._ready()
        _require_case_id(request.case_id)
        _require_text(request.appellant, "appellant", "name the affected account")
        _require_text(request.statement, "statement", "say why the decision is wrong")
        appeal = await asyncio.to_thread(
            running.store.file_appeal, request.case_id, request.appellant, request.statement
        )
        return decision_pb2.FileAppealResponse(appeal=convert.appeal_to_pb(appeal))

    async def DecideAppeal(
        self, request: decision_pb2.DecideAppealRequest, context: grpc.aio.ServicerContext
    ) -> decision_pb2.DecideAppealResponse:
        running = self._ready()
        _require_text(request.appeal_id, "appeal_id", "name the appeal")
        _require_text(request.reviewer_id, "reviewer_id", "name the reviewer")
        _require_text(request.reason, "reason", "give the account an answer")
        appeal = await asyncio.to_thread(
            running.store.decide_appeal,
            request.appeal_id,
            request.reviewer_id,
            request.uphold,
            request.reason,
        )
        running.dispatcher.wake()
        return decision_pb2.DecideAppealResponse(appeal=convert.appeal_to_pb(appeal))

    async def ListAppeals(
        self, request: decision_pb2.ListAppealsRequest, context: grpc.aio.ServicerContext
    ) -> decision_pb2.ListAppealsResponse:
        running = self._ready()
        status = convert.appeal_status_from_pb(request.status)
        limit = _list_limit(request.limit)
        appeals = await asyncio.to_thread(running.store.list_appeals, status, limit)
        return decision_pb2.ListAppealsResponse(
            appeals=[convert.appeal_to_pb(appeal) for appeal in appeals]
        )

    async def GetStatementOfReasons(
        self,
        request: decision_pb2.GetStatementOfReasonsRequest,
        context: grpc.aio.ServicerContext,
    ) -> decision_pb2.GetStatementOfReasonsResponse:
        running = self._ready()
        _require_case_id(request.case_id)
        case = await asyncio.to_thread(running.store.get, request.case_id)
        return decision_pb2.GetStatementOfReasonsResponse(
            statement_json=json.dumps(statement_of_reasons(case), ensure_ascii=False)
        )

    async def Backfill(
        self, request: decision_pb2.BackfillRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[decision_pb2.BackfillResponse]:
        running = self._ready()
        _require_text(request.list_id, "list_id", "name the list to scan with")
        _require_text(request.actor, "actor", "name who runs the scan")
        if not request.HasField("since"):
            raise InvalidArgument("since is required: the capture date to scan from", field="since")
        rate = request.rate_per_second or DEFAULT_BACKFILL_RATE
        if not 0 < rate <= MAX_BACKFILL_RATE:
            raise InvalidArgument(
                f"rate_per_second must be above 0 and at most {MAX_BACKFILL_RATE:g}",
                field="rate_per_second",
            )
        try:
            await running.engines.check_list(request.list_id)
        except EngineError as error:
            raise Unavailable(str(error)) from None
        last_sent = 0.0
        try:
            async for progress in backfill(
                running.store,
                running.engines,
                request.list_id,
                to_datetime(request.since),
                request.actor,
                request.dry_run,
                rate,
            ):
                now = time.monotonic()
                if progress.done or now - last_sent >= PROGRESS_SECONDS:
                    last_sent = now
                    yield decision_pb2.BackfillResponse(
                        total=progress.total,
                        scanned=progress.scanned,
                        matched=progress.matched,
                        new_hits=progress.new_hits,
                        created=progress.created,
                        done=progress.done,
                        resumed=progress.resumed,
                        run_id=progress.run_id,
                    )
        except EngineError as error:
            raise Unavailable(f"{error}; run the backfill again to resume") from None
        running.dispatcher.wake()

    async def ModerateStream(
        self,
        requests: AsyncIterator[decision_pb2.ModerateStreamRequest],
        context: grpc.aio.ServicerContext,
    ) -> AsyncIterator[decision_pb2.ModerateStreamResponse]:
        running = self._ready()
        first = await anext(aiter(requests), None)
        if first is None:
            return
        opening = _live_opening(first)
        annotate(stream_id=opening.stream_id)
        moderation = await live.StreamModeration.open(
            running.store,
            running.engines,
            opening.stream_id,
            opening.account_id,
            to_datetime(opening.start_time) if opening.HasField("start_time") else utc_now(),
            opening.resume_from_seconds,
        )
        stream = moderation.stream
        annotate(resumed=stream.resumed)
        log.info(
            "stream opened",
            stream_id=stream.stream_id,
            account_id=stream.account_id,
            resumed=stream.resumed,
            resume_from=opening.resume_from_seconds,
        )
        yield decision_pb2.ModerateStreamResponse(
            opened=decision_pb2.LiveStreamOpened(
                resumed=stream.resumed,
                moderated_seconds=stream.moderated_seconds,
                last_flag_sequence=stream.last_flag_sequence,
            )
        )
        transcription_open = transcription_pb2.StreamOpen(
            stream_id=stream.stream_id,
            format=opening.format,
            start_offset_seconds=opening.resume_from_seconds,
        )
        events = moderation.run(
            _live_messages(requests),
            lambda audio: running.engines.transcribe_stream(transcription_open, audio),
        )
        async for event in events:
            if isinstance(event, live.Ack):
                yield decision_pb2.ModerateStreamResponse(
                    ack=decision_pb2.LiveStreamAck(moderated_seconds=event.moderated_seconds)
                )
            elif isinstance(event, LiveFlag):
                yield decision_pb2.ModerateStreamResponse(flag=convert.live_flag_to_pb(event))
            else:
                running.dispatcher.wake()  # the action's delivery goes out at once
                yield decision_pb2.ModerateStreamResponse(action=convert.live_action_to_pb(event))

    def _ready(self) -> _Running:
        if self._running is None:
            raise Unavailable("decision is starting; retry shortly")
        return self._running


def _live_opening(request: decision_pb2.ModerateStreamRequest) -> decision_pb2.LiveStreamOpen:
    """Checks the message that opens a live stream (transcription checks the format)."""
    if not request.HasField("open"):
        raise InvalidArgument("the first message must open the stream", field="open")
    opening = request.open
    _require_text(opening.stream_id, "open.stream_id", "the broadcast's id")
    _require_text(opening.account_id, "open.account_id", "the broadcasting account")
    if not 0 <= opening.resume_from_seconds < math.inf:
        raise InvalidArgument(
            "open.resume_from_seconds must be 0, or the last acknowledged offset",
            field="open.resume_from_seconds",
        )
    return opening


async def _live_messages(
    requests: AsyncIterator[decision_pb2.ModerateStreamRequest],
) -> AsyncIterator[bytes | live.End]:
    """The messages after the opening one, as audio chunks and the end."""
    async for request in requests:
        kind = request.WhichOneof("message")
        if kind == "audio":
            yield request.audio
        elif kind == "end":
            yield live.END
        else:
            raise InvalidArgument(
                "the stream is already open; send audio, or end it", field=kind or "message"
            )


def _require_case_id(case_id: str) -> None:
    if not case_id:
        raise InvalidArgument("case_id is required", field="case_id")


def _require_text(value: str, field: str, what: str) -> None:
    if not value.strip():
        raise InvalidArgument(f"{field} is required: {what}", field=field)


def _list_limit(requested: int) -> int:
    """How many results a list RPC returns: the request's limit, or the default for 0."""
    limit = requested or DEFAULT_LIST_LIMIT
    if not 1 <= limit <= MAX_LIST_LIMIT:
        raise InvalidArgument(
            f"limit must be between 1 and {MAX_LIST_LIMIT}, got {requested}", field="limit"
        )
    return limit


def _change_to_pb(change: rules.DryRunChange) -> decision_pb2.OutcomeChange:
    before, after = change.before, change.after
    return decision_pb2.OutcomeChange(
        case_id=change.case_id,
        before_status=convert.status_to_pb(before.status),
        before_priority=convert.priority_to_pb(before.priority),
        before_rule=convert.rule_ref_to_pb(before.rule),
        after_status=convert.status_to_pb(after.status),
        after_priority=convert.priority_to_pb(after.priority),
        after_rule=convert.rule_ref_to_pb(after.rule),
    )


def _check_media(blob: Blob, max_bytes: int) -> None:
    """Refuses a reference to a missing, empty, oversized or non-media blob."""
    media.probe(blobs.resolve(blob, max_bytes))


def build_service(settings: DecisionSettings) -> Service:
    servicer = DecisionServicer(settings)
    return Service(
        name="decision",
        grpc_services=[decision_pb2.DESCRIPTOR.services_by_name["DecisionService"].full_name],
        register=lambda server: decision_pb2_grpc.add_DecisionServiceServicer_to_server(
            servicer, server
        ),
        load=servicer.load,
        close=servicer.close,
    )
