"""Carrying out decided actions on the platform, through an adapter, from the outbox.

A decision writes its delivery into the outbox in the same transaction as the action
(see `CaseStore.record_action`), so nothing decided is lost; the dispatcher here sends
each due delivery through the configured adapter, retries failures with exponential
backoff, and dead-letters a delivery after the configured number of attempts. Every
attempt is audited. The receiver gets the same idempotency key on every retry, so a
retry after a lost reply never acts twice.

Adapters are small classes with one method; a new way of acting is one new class.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol

import httpx
import structlog

from modmesh.decision.settings import DecisionSettings
from modmesh.decision.storage import CaseStore, Delivery, utc_now

log = structlog.get_logger()

#: Headers of a webhook delivery.
SIGNATURE_HEADER = "X-Modmesh-Signature"
TIMESTAMP_HEADER = "X-Modmesh-Timestamp"
IDEMPOTENCY_HEADER = "Idempotency-Key"
#: Longest wait between two attempts, however many failed.
MAX_RETRY_DELAY = timedelta(hours=1)


class DeliveryFailed(Exception):
    """An attempt failed; the message says why without revealing secrets."""


class ActionAdapter(Protocol):
    #: Named in the audit log as the way the action went.
    name: str

    async def deliver(self, delivery: Delivery) -> None:
        """Carries out the delivery or raises DeliveryFailed."""


class LogAdapter:
    """Writes each action to the service's log; for platforms that read the log."""

    name = "log"

    async def deliver(self, delivery: Delivery) -> None:
        log.info(
            "action delivered",
            adapter=self.name,
            kind=delivery.kind,
            action=delivery.payload["action"],
            action_id=delivery.action_id,
            case_id=delivery.case_id,
            idempotency_key=delivery.idempotency_key,
        )


class DryRunAdapter:
    """Acts on nothing: logs what would be delivered. For trying rules and reviews
    before a platform is connected."""

    name = "dry-run"

    async def deliver(self, delivery: Delivery) -> None:
        log.info(
            "action not delivered (dry run)",
            adapter=self.name,
            kind=delivery.kind,
            action=delivery.payload["action"],
            action_id=delivery.action_id,
            case_id=delivery.case_id,
        )


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature a receiver recomputes: HMAC-SHA256 over "<timestamp>.<body>"."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


class WebhookAdapter:
    """POSTs each delivery as JSON, signed with HMAC-SHA256 and carrying an idempotency
    key; any answer but 2xx, a timeout or no connection is a failed attempt."""

    name = "webhook"

    def __init__(self, url: str, secret: str, timeout_seconds: float) -> None:
        self._url = url
        self._secret = secret
        self._timeout = timeout_seconds
        self._client = httpx.AsyncClient(timeout=timeout_seconds)

    async def deliver(self, delivery: Delivery) -> None:
        body = json.dumps(delivery.payload, sort_keys=True, separators=(",", ":")).encode()
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            IDEMPOTENCY_HEADER: delivery.idempotency_key,
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign(self._secret, timestamp, body),
        }
        try:
            response = await self._client.post(self._url, content=body, headers=headers)
        except httpx.TimeoutException:
            raise DeliveryFailed(f"the webhook timed out after {self._timeout:g}s") from None
        except httpx.HTTPError as error:
            # The URL may carry a token: name the failure, not the address.
            raise DeliveryFailed(f"cannot reach the webhook ({type(error).__name__})") from None
        if not response.is_success:
            raise DeliveryFailed(f"the webhook answered HTTP {response.status_code}")

    async def close(self) -> None:
        await self._client.aclose()


def adapter_from(settings: DecisionSettings) -> ActionAdapter:
    """The adapter the settings name; a webhook without URL or secret stops start-up."""
    if settings.action_adapter == "log":
        return LogAdapter()
    if settings.action_adapter == "dry-run":
        return DryRunAdapter()
    if settings.action_adapter == "webhook":
        missing = [
            name
            for name, value in (
                ("MODMESH_ACTION_WEBHOOK_URL", settings.action_webhook_url),
                ("MODMESH_ACTION_WEBHOOK_SECRET", settings.action_webhook_secret),
            )
            if not value
        ]
        if missing:
            raise ValueError(f"MODMESH_ACTION_ADAPTER=webhook needs {' and '.join(missing)}")
        return WebhookAdapter(
            settings.action_webhook_url,
            settings.action_webhook_secret,
            settings.action_webhook_timeout_seconds,
        )
    raise ValueError(
        f"MODMESH_ACTION_ADAPTER must be log, webhook or dry-run, got {settings.action_adapter!r}"
    )


class Dispatcher:
    """Sends due deliveries through the adapter until stopped."""

    def __init__(
        self,
        store: CaseStore,
        adapter: ActionAdapter,
        max_attempts: int,
        retry_seconds: float,
        poll_seconds: float = 1.0,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._store = store
        self._adapter = adapter
        self._max_attempts = max(1, max_attempts)
        self._retry = timedelta(seconds=retry_seconds)
        self._poll_seconds = poll_seconds
        self._clock = clock
        self._wake = asyncio.Event()

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

    async def drain(self, batch: int = 50) -> int:
        """Attempts every delivery due now; returns how many were attempted."""
        attempted = 0
        while True:
            due = await asyncio.to_thread(self._store.due_deliveries, batch)
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
        await asyncio.to_thread(
            self._store.record_delivery, delivery.delivery_id, error, retry_at, self._adapter.name
        )
