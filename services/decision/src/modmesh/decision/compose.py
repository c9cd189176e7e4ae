"""The service's parts joined at start-up: one SQL class implements every feature's
narrow store over one database (so an action, its outbox delivery and their audit
entries commit in one transaction), and the engines, pipeline and dispatcher run
beside it. Features are typed against their own store Protocols only."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from functools import partial

import structlog

from modmesh.decision.actions.adapters import ActionAdapter, WebhookAdapter, adapter_from
from modmesh.decision.actions.outbox import Dispatcher
from modmesh.decision.actions.store import SqlOutbox
from modmesh.decision.appeals.store import SqlAppeals
from modmesh.decision.backfill.store import SqlBackfill
from modmesh.decision.cases.store import SqlCases
from modmesh.decision.intake.engines import GrpcEngines
from modmesh.decision.intake.idempotency import SqlIdempotency
from modmesh.decision.intake.pipeline import Leasing, Pipeline
from modmesh.decision.intake.retry import RetryPolicy
from modmesh.decision.intake.store import SqlIntake
from modmesh.decision.intake.sweeper import SqlMediaReferences, sweep_blobs
from modmesh.decision.live.clip_store import SqlClipLinks
from modmesh.decision.live.clips import ClipKeeper
from modmesh.decision.live.store import SqlLive
from modmesh.decision.live.wall import SqlLiveWall
from modmesh.decision.policy.store import SqlRules
from modmesh.decision.review.store import SqlReview
from modmesh.decision.settings import AUDIT_KEY_ENV, AUDIT_SIGNING_KEY_ENV, DecisionSettings
from modmesh.decision.tenancy import SqlOwners
from modmesh.runtime.audit import AuditKey
from modmesh.runtime.background import Periodic
from modmesh.runtime.blobs import BlobStore
from modmesh.runtime.checkpoint import SigningKey, signing_key

log = structlog.get_logger()


class SqlStore(
    SqlIntake,
    SqlMediaReferences,
    SqlIdempotency,
    SqlCases,
    SqlReview,
    SqlRules,
    SqlAppeals,
    SqlOutbox,
    SqlLive,
    SqlClipLinks,
    SqlLiveWall,
    SqlBackfill,
    SqlOwners,
):
    """The decision service's database, every feature's store in one. Methods are
    blocking; call them off the event loop."""


@dataclass
class Running:
    """What runs while the service is up."""

    store: SqlStore
    engines: GrpcEngines
    pipeline: Pipeline
    dispatcher: Dispatcher
    dispatching: asyncio.Task[None]
    adapter: ActionAdapter
    claiming: asyncio.Task[None]
    housekeeping: Periodic
    #: Signs audit checkpoints; None without MODMESH_AUDIT_SIGNING_KEY.
    audit_signer: SigningKey | None
    #: What live streams keep around their flags, and where.
    clip_keeper: ClipKeeper

    @classmethod
    async def start(cls, settings: DecisionSettings) -> Running:
        """Opens the database and starts claiming the cases that need a replica: those
        a stopped or dead replica left PROCESSING, and RETRYING ones when due."""
        adapter = adapter_from(settings)  # a misconfigured adapter stops start-up here
        clip_keeper = ClipKeeper.of(settings)  # and so do clip lengths that are no lengths
        audit_key = AuditKey.from_setting(settings.audit_key, AUDIT_KEY_ENV)
        seed = settings.audit_signing_key
        signer = signing_key(seed, AUDIT_SIGNING_KEY_ENV) if seed else None
        store = await asyncio.to_thread(SqlStore, settings.store_url, audit_key=audit_key)
        store.work_lease_seconds = settings.work_lease_seconds
        store.idempotency_key_hours = settings.idempotency_key_hours
        engines = GrpcEngines(settings)
        dispatcher = Dispatcher(
            store, adapter, settings.action_max_attempts, settings.action_retry_seconds
        )
        pipeline = Pipeline(
            store,
            engines,
            on_action=dispatcher.wake,
            leasing=leasing(settings),
            window_seconds=settings.transcribe_window_seconds,
        )
        running = cls(
            store,
            engines,
            pipeline,
            dispatcher,
            asyncio.create_task(dispatcher.run(), name="dispatch-actions"),
            adapter,
            asyncio.create_task(pipeline.run_claimer(), name="claim-cases"),
            Periodic(),
            signer,
            clip_keeper,
        )
        if settings.blob_sweep_seconds > 0:
            sweep = partial(
                sweep_blobs, store, BlobStore.of_mesh(settings), settings.blob_grace_seconds
            )
            running.housekeeping.every(settings.blob_sweep_seconds, sweep, "sweep-blobs")
        return running

    async def close(self) -> None:
        await self.housekeeping.stop()
        self.claiming.cancel()
        await asyncio.gather(self.claiming, return_exceptions=True)
        await self.pipeline.close()
        self.dispatching.cancel()
        await asyncio.gather(self.dispatching, return_exceptions=True)
        if isinstance(self.adapter, WebhookAdapter):
            await self.adapter.close()
        await self.engines.close()
        self.store.close()


def leasing(settings: DecisionSettings) -> Leasing:
    """How this replica claims, holds and retries cases, from its settings."""
    return Leasing(
        lease_seconds=settings.case_lease_seconds,
        claim_interval_seconds=settings.case_claim_interval_seconds,
        retry=RetryPolicy(
            first_seconds=settings.case_retry_first_seconds,
            max_seconds=settings.case_retry_max_seconds,
            budget_seconds=settings.case_retry_budget_seconds,
        ),
    )
