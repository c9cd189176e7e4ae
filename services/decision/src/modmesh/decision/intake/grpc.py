"""The Submit RPC: a new item stored as a case, its analysis started; and RetryCases,
which analyses FAILED cases again."""

from __future__ import annotations

import asyncio

import grpc

from modmesh.contracts.decision.v1 import decision_pb2
from modmesh.contracts.timestamps import to_datetime
from modmesh.decision import convert
from modmesh.decision.domain import CaseStatus, Source
from modmesh.decision.intake.idempotency import (
    IdempotencyStore,
    check_key,
    fingerprint,
    submit_once,
)
from modmesh.decision.intake.pipeline import Pipeline
from modmesh.decision.intake.store import IntakeStore
from modmesh.decision.rpc import Rpcs, require_text
from modmesh.decision.store import utc_now
from modmesh.decision.tenancy import caller_scope
from modmesh.runtime import media
from modmesh.runtime.blobs import Blob, BlobStore
from modmesh.runtime.errors import InvalidArgument
from modmesh.runtime.tracing import annotate


class IntakeRpcs(Rpcs):
    _intake_store: IntakeStore
    _idempotency_store: IdempotencyStore
    _pipeline: Pipeline

    async def Submit(
        self, request: decision_pb2.SubmitRequest, context: grpc.aio.ServicerContext
    ) -> decision_pb2.SubmitResponse:
        self._ready()
        if not request.HasField("media"):
            raise InvalidArgument("media is required", field="media")
        source = request.source
        if not source.account_id.strip():
            raise InvalidArgument("source.account_id is required", field="source.account_id")
        key = request.idempotency_key
        check_key(key)
        blob = convert.blob_from_pb(request.media)
        await asyncio.to_thread(
            _check_media, blob, BlobStore.of_mesh(self._settings), self._settings.max_media_seconds
        )
        submission = Source(
            account_id=source.account_id,
            content_id=source.content_id or blob.sha256,
            capture_time=to_datetime(source.capture_time, "source.capture_time")
            if source.HasField("capture_time")
            else utc_now(),
        )
        tenant = caller_scope().tenant
        if key:
            given = source.capture_time.ToJsonString() if source.HasField("capture_time") else ""
            request_print = fingerprint(blob, source.account_id, source.content_id, given, tenant)
            case, _, duplicate = await asyncio.to_thread(
                submit_once, self._idempotency_store, key, request_print, blob, submission, tenant
            )
        else:
            case, created = await asyncio.to_thread(
                self._intake_store.submit, blob, submission, tenant
            )
            duplicate = not created
        annotate(case_id=case.case_id, media_sha256=blob.sha256, duplicate=duplicate)
        if case.status is CaseStatus.PROCESSING:
            # New, or FAILED before and resubmitted. Started inside this RPC's span: the
            # analysis joins the submitted item's trace. A case another replica holds
            # is left to it (the claim fails).
            self._pipeline.start(case.case_id)
        return decision_pb2.SubmitResponse(
            case_id=case.case_id,
            status=convert.status_to_pb(case.status),
            duplicate=duplicate,
        )

    async def RetryCases(
        self, request: decision_pb2.RetryCasesRequest, context: grpc.aio.ServicerContext
    ) -> decision_pb2.RetryCasesResponse:
        self._ready()
        require_text(request.actor, "actor", "who retries the cases, for the audit log")
        cases = await asyncio.to_thread(
            self._intake_store.retry_failed,
            list(request.case_ids),
            request.all_failed,
            request.actor,
        )
        for case in cases:
            self._pipeline.start(case.case_id)
        return decision_pb2.RetryCasesResponse(cases=[convert.case_to_pb(c) for c in cases])


def _check_media(blob: Blob, store: BlobStore, max_seconds: float) -> None:
    """Refuses a reference outside the blob store, to bytes that do not match its
    sha256, or to an oversized, overlong or non-media blob."""
    media.probe(store.resolve(blob), max_seconds)
