"""The Backfill RPC: a retroactive scan, its progress streamed."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import grpc

from modmesh.contracts.decision.v1 import decision_pb2
from modmesh.contracts.timestamps import to_datetime
from modmesh.decision.backfill.scan import backfill
from modmesh.decision.backfill.store import BackfillStore
from modmesh.decision.intake.engines import EngineError, GrpcEngines
from modmesh.decision.rpc import Rpcs, require_text
from modmesh.runtime.errors import InvalidArgument, Unavailable
from modmesh.runtime.identity import acting_principal

DEFAULT_BACKFILL_RATE = 20.0
MAX_BACKFILL_RATE = 1000.0
#: Backfill progress is streamed at most this often (and once at the end).
PROGRESS_SECONDS = 0.5


class BackfillRpcs(Rpcs):
    _backfill_store: BackfillStore
    _engines: GrpcEngines

    async def Backfill(
        self, request: decision_pb2.BackfillRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[decision_pb2.BackfillResponse]:
        self._ready()
        require_text(request.list_id, "list_id", "name the list to scan with")
        actor = acting_principal(request.actor, "actor")
        if not request.HasField("since"):
            raise InvalidArgument("since is required: the capture date to scan from", field="since")
        rate = request.rate_per_second or DEFAULT_BACKFILL_RATE
        if not 0 < rate <= MAX_BACKFILL_RATE:
            raise InvalidArgument(
                f"rate_per_second must be above 0 and at most {MAX_BACKFILL_RATE:g}",
                field="rate_per_second",
            )
        try:
            await self._engines.check_list(request.list_id)
        except EngineError as error:
            raise Unavailable(str(error)) from None
        last_sent = 0.0
        try:
            async for progress in backfill(
                self._backfill_store,
                self._engines,
                request.list_id,
                to_datetime(request.since, "since"),
                actor,
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
        self._wake_dispatcher()
