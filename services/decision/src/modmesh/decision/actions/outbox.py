"""Carrying out decided actions on the platform, through an adapter, from the outbox.

A decision writes its delivery into the outbox in the same transaction as the action
(see `StoreBase._add_action`), so nothing decided is lost; the dispatcher here sends
each due delivery through the configured adapter, retries failures with exponential
backoff, and dead-letters a delivery after the configured number of attempts. Every
attempt is audited. The receiver gets the same idempotency key on every retry, so a
retry after a lost reply never acts twice.

With several replicas, each delivery is leased to the one sending it
(`SqlOutbox.claim_deliveries`): two replicas never send one delivery at the same time,
and a replica that dies mid-send loses it at the lease's expiry to another, which sends
it again under the same key (the receiver dedupes).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import datetime, timedelta

import structlog
from sqlalchemy.exc import IntegrityError

from modmesh.decision.actions.adapters import ActionAdapter, DeliveryFailed
from modmesh.decision.actions.store import Delivery, OutboxStore
from modmesh.decision.store import utc_now
from modmesh.runtime.leases import replica_id

log = structlog.get_logger()

#: Longest wait between two attempts, however many failed.
MAX_RETRY_DELAY = timedelta(hours=1)
#: Tries to record one attempt when other replicas' writes conflict with it.
RECORD_TRIES = 5


class Dispatcher:
    """Sends due deliveries through the adapter until stopped."""

    def __init__(
        self,
        store: OutboxStore,
        adapter: ActionAdapter,
        max_attempts: int,
        retry_seconds: float,
        poll_seconds: float = 1.0,
        clock: Callable[[], datetime] = utc_now,
        holder: str | None = None,
    ) -> None:
        self._store = store
        self._adapter = adapter
        self._max_attempts = max(1, max_attempts)
        self._retry = timedelta(seconds=retry_seconds)
        self._poll_seconds = poll_seconds
        self._clock = clock
        self._wake = asyncio.Event()
        self._holder = holder or replica_id()

    def wake(self) -> None:
        """Sends new deliveries now instead of at the next poll."""
        self._wake.set()

    async def run(self) -> None:
        while True:
            # Cleared before draining, so a wake-up during the drain is not lost.
            self._wake.clear()
            try:
                await self.drain()
            except Exception:
                # A database hiccup must not end delivery for good; the log has it.
                log.exception("action dispatch failed; retrying")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._poll_seconds)

    async def drain(self, batch: int = 1) -> int:
        """Attempts every delivery due now that no other replica is sending; returns how
        many were attempted. Claims `batch` at a time: one by default, so that the lease
        covers one send, however slow the ones before it were."""
        attempted = 0
        while True:
            due = await asyncio.to_thread(self._store.claim_deliveries, self._holder, batch)
            for delivery in due:
                await self._attempt(delivery)
            attempted += len(due)
            if len(due) < batch:
                return attempted

    async def _attempt(self, delivery: Delivery) -> None:
        try:
            await self._adapter.deliver(delivery)
            error, retry_at = None, None
        except DeliveryFailed as failure:
            error = str(failure)
            attempt = delivery.attempts + 1
            retry_at = (
                None
                if attempt >= self._max_attempts
                else self._clock() + min(self._retry * 2 ** (attempt - 1), MAX_RETRY_DELAY)
            )
            log.warning(
                "action delivery failed",
                action_id=delivery.action_id,
                attempt=attempt,
                error=error,
                dead_lettered=retry_at is None,
            )
        for attempt in range(1, RECORD_TRIES + 1):
            try:
                await asyncio.to_thread(
                    self._store.record_delivery,
                    delivery.delivery_id,
                    error,
                    retry_at,
                    self._adapter.name,
                    self._holder,
                )
                return
            except IntegrityError:
                # Another replica appended to the audit chain first; the send is done,
                # so record it again rather than leave it to be sent again at expiry.
                if attempt == RECORD_TRIES:
                    raise
