"""The service's parts joined at start-up: one SQL class implements every feature's
narrow store over one database (so an action, its outbox delivery and their audit
entries commit in one transaction), and the engines, pipeline and dispatcher run
beside it. Features are typed against their own store Protocols only."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import structlog

from modmesh.decision.actions.adapters import ActionAdapter, WebhookAdapter, adapter_from
from modmesh.decision.actions.outbox import Dispatcher
from modmesh.decision.actions.store import SqlOutbox
from modmesh.decision.appeals.store import SqlAppeals
from modmesh.decision.backfill.store import SqlBackfill
from modmesh.decision.cases.store import SqlCases
from modmesh.decision.intake.engines import GrpcEngines
from modmesh.decision.intake.pipeline import Pipeline
from modmesh.decision.intake.store import SqlIntake
from modmesh.decision.live.store import SqlLive
from modmesh.decision.policy.store import SqlRules
from modmesh.decision.review.store import SqlReview
from modmesh.decision.settings import DecisionSettings
from modmesh.decision.tenancy import SqlOwners

log = structlog.get_logger()


class SqlStore(
    SqlIntake,
    SqlCases,
    SqlReview,
    SqlRules,
    SqlAppeals,
    SqlOutbox,
    SqlLive,
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

    @classmethod
    async def start(cls, settings: DecisionSettings) -> Running:
        """Opens the database and resumes every case a previous run left PROCESSING."""
        adapter = adapter_from(settings)  # a misconfigured adapter stops start-up here
        store = await asyncio.to_thread(SqlStore, settings.store_url)
        engines = GrpcEngines(settings)
        dispatcher = Dispatcher(
            store, adapter, settings.action_max_attempts, settings.action_retry_seconds
        )
        running = cls(
            store,
            engines,
            Pipeline(store, engines, on_action=dispatcher.wake),
            dispatcher,
            asyncio.create_task(dispatcher.run(), name="dispatch-actions"),
            adapter,
        )
        resumed = await running.pipeline.resume()
        log.info("cases resumed", count=len(resumed))
        return running

    async def close(self) -> None:
        await self.pipeline.close()
        self.dispatching.cancel()
        await asyncio.gather(self.dispatching, return_exceptions=True)
        if isinstance(self.adapter, WebhookAdapter):
            await self.adapter.close()
        await self.engines.close()
        self.store.close()
