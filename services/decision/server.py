"""The DecisionService servicer: validates requests, stores cases and hands analysis to
the pipeline. Domain errors raised here become gRPC statuses in the runtime."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import grpc
import structlog

from modmesh.decision import convert
from modmesh.decision.domain import ActionType, Source
from modmesh.decision.pipeline import GrpcEngines, Pipeline
from modmesh.decision.storage import CaseStore, utc_now
from modmesh.decision.v1 import decision_pb2, decision_pb2_grpc
from modmesh.runtime import blobs, media
from modmesh.runtime.blobs import Blob
from modmesh.runtime.errors import InvalidArgument, Unavailable
from modmesh.runtime.server import Service
from modmesh.runtime.settings import Settings
from modmesh.runtime.tracing import annotate

log = structlog.get_logger()

DEFAULT_LIST_LIMIT = 50
MAX_LIST_LIMIT = 500


@dataclass
class _Running:
    store: CaseStore
    engines: GrpcEngines
    pipeline: Pipeline


class DecisionServicer(decision_pb2_grpc.DecisionServiceServicer):
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._running: _Running | None = None

    async def load(self) -> None:
        """Opens the database and resumes every case a previous run left PROCESSING."""
        store = await asyncio.to_thread(CaseStore, self._settings.database_url_for("decision"))
        engines = GrpcEngines(self._settings)
        self._running = _Running(store, engines, Pipeline(store, engines))
        resumed = await self._running.pipeline.resume()
        log.info("cases resumed", count=len(resumed))

    async def close(self) -> None:
        if self._running is None:
            return
        await self._running.pipeline.close()
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
                capture_time=convert.from_timestamp(source.capture_time)
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
        limit = request.limit or DEFAULT_LIST_LIMIT
        if not 1 <= limit <= MAX_LIST_LIMIT:
            raise InvalidArgument(
                f"limit must be between 1 and {MAX_LIST_LIMIT}, got {request.limit}",
                field="limit",
            )
        cases = await asyncio.to_thread(running.store.list_cases, status, limit)
        return decision_pb2.ListCasesResponse(cases=[convert.case_to_pb(c) for c in cases])

    async def RecordAction(
        self, request: decision_pb2.RecordActionRequest, context: grpc.aio.ServicerContext
    ) -> decision_pb2.RecordActionResponse:
        running = self._ready()
        _require_case_id(request.case_id)
        action_type = convert.action_type_from_pb(request.type)
        if not request.actor.strip():
            raise InvalidArgument("actor is required: name the reviewer", field="actor")
        if action_type is ActionType.REMOVE_CONTENT and not request.reason.strip():
            raise InvalidArgument(
                "reason is required for REMOVE_CONTENT: name the policy", field="reason"
            )
        case = await asyncio.to_thread(
            running.store.record_action,
            request.case_id,
            action_type,
            request.actor,
            request.reason,
        )
        return decision_pb2.RecordActionResponse(case=convert.case_to_pb(case))

    def _ready(self) -> _Running:
        if self._running is None:
            raise Unavailable("decision is starting; retry shortly")
        return self._running


def _require_case_id(case_id: str) -> None:
    if not case_id:
        raise InvalidArgument("case_id is required", field="case_id")


def _check_media(blob: Blob, max_bytes: int) -> None:
    """Refuses a reference to a missing, empty, oversized or non-media blob."""
    media.probe(blobs.resolve(blob, max_bytes))


def build_service(settings: Settings) -> Service:
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
