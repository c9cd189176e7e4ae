"""The Submit RPC: a new item stored as a case, its analysis started."""

from __future__ import annotations

import asyncio

import grpc

from modmesh.contracts.decision.v1 import decision_pb2
from modmesh.contracts.timestamps import to_datetime
from modmesh.decision import convert
from modmesh.decision.domain import Source
from modmesh.decision.intake.pipeline import Pipeline
from modmesh.decision.intake.store import IntakeStore
from modmesh.decision.rpc import Rpcs
from modmesh.decision.store import utc_now
from modmesh.decision.tenancy import caller_scope
from modmesh.runtime import blobs, media
from modmesh.runtime.blobs import Blob
from modmesh.runtime.errors import InvalidArgument
from modmesh.runtime.tracing import annotate


class IntakeRpcs(Rpcs):
    _intake_store: IntakeStore
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
        blob = convert.blob_from_pb(request.media)
        await asyncio.to_thread(_check_media, blob, self._settings.max_media_bytes)
        case, created = await asyncio.to_thread(
            self._intake_store.submit,
            blob,
            Source(
                account_id=source.account_id,
                content_id=source.content_id or blob.sha256,
                capture_time=to_datetime(source.capture_time)
                if source.HasField("capture_time")
                else utc_now(),
            ),
            caller_scope(context).tenant,
        )
        annotate(case_id=case.case_id, media_sha256=blob.sha256, duplicate=not created)
        if created:
            # Started inside this RPC's span: the analysis joins the submitted item's trace.
            self._pipeline.start(case.case_id)
        return decision_pb2.SubmitResponse(
            case_id=case.case_id,
            status=convert.status_to_pb(case.status),
            duplicate=not created,
        )


def _check_media(blob: Blob, max_bytes: int) -> None:
    """Refuses a reference to a missing, empty, oversized or non-media blob."""
    media.probe(blobs.resolve(blob, max_bytes))
