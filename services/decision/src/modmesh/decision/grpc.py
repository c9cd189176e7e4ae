"""The DecisionService servicer, composed of each feature's RPC handlers, and
`build_service`, which starts the composed parts (`modmesh.decision.compose`)."""

from __future__ import annotations

from modmesh.contracts.decision.v1 import decision_pb2, decision_pb2_grpc
from modmesh.decision.appeals.grpc import AppealRpcs
from modmesh.decision.backfill.grpc import BackfillRpcs
from modmesh.decision.cases.grpc import CaseRpcs
from modmesh.decision.checkpoints import CheckpointRpcs
from modmesh.decision.compose import Running
from modmesh.decision.intake.grpc import IntakeRpcs
from modmesh.decision.live.grpc import LiveRpcs
from modmesh.decision.policy.grpc import PolicyRpcs
from modmesh.decision.review.grpc import ReviewRpcs
from modmesh.decision.settings import DecisionSettings
from modmesh.runtime.database import UNAVAILABLE_ERRORS, reachability_check
from modmesh.runtime.server import Service


class DecisionServiceServicer(
    IntakeRpcs,
    CaseRpcs,
    ReviewRpcs,
    PolicyRpcs,
    AppealRpcs,
    BackfillRpcs,
    LiveRpcs,
    CheckpointRpcs,
):
    def __init__(self, settings: DecisionSettings) -> None:
        self._settings = settings
        self._running: Running | None = None

    async def load(self) -> None:
        running = await Running.start(self._settings)
        store = running.store
        self._intake_store = self._idempotency_store = store
        self._case_store = self._review_store = store
        self._rule_store = self._appeal_store = store
        self._backfill_store = self._live_store = self._audit_log = self._case_owners = store
        self._live_wall = store
        self._audit_signer = running.audit_signer
        self._clip_keeper = running.clip_keeper
        self._pipeline = running.pipeline
        self._engines = running.engines
        self._wake_dispatcher = running.dispatcher.wake
        self._running = running
        self._started = True

    async def close(self) -> None:
        if self._running is not None:
            await self._running.close()


def build_service(settings: DecisionSettings) -> Service:
    servicer = DecisionServiceServicer(settings)
    return Service(
        name="decision",
        grpc_services=[decision_pb2.DESCRIPTOR.services_by_name["DecisionService"].full_name],
        register=lambda server: decision_pb2_grpc.add_DecisionServiceServicer_to_server(
            servicer, server
        ),
        load=servicer.load,
        close=servicer.close,
        check=reachability_check(settings.store_url),
        unavailable_on=UNAVAILABLE_ERRORS,
    )
