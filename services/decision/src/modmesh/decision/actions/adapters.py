"""Adapters: how a decided action is carried out on the platform (logged, sent to a
signed webhook, or only described). A new way of acting is one new class."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import socket
import time
from typing import Protocol
from urllib.parse import urlsplit

import httpx
import structlog

from modmesh.decision.actions.store import Delivery
from modmesh.decision.settings import DecisionSettings
from modmesh.runtime.settings import MIN_SECRET_BYTES

log = structlog.get_logger()

#: Headers of a webhook delivery.
SIGNATURE_HEADER = "X-Modmesh-Signature"
TIMESTAMP_HEADER = "X-Modmesh-Timestamp"
IDEMPOTENCY_HEADER = "Idempotency-Key"


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
        if len(settings.action_webhook_secret.encode()) < MIN_SECRET_BYTES:
            raise ValueError(
                f"MODMESH_ACTION_WEBHOOK_SECRET is shorter than {MIN_SECRET_BYTES} bytes; make "
                "one with: python -c 'import secrets; print(secrets.token_urlsafe(32))'"
            )
        check_webhook_url(settings.action_webhook_url, settings.action_webhook_allow_private)
        return WebhookAdapter(
            settings.action_webhook_url,
            settings.action_webhook_secret,
            settings.action_webhook_timeout_seconds,
        )
    raise ValueError(
        f"MODMESH_ACTION_ADAPTER must be log, webhook or dry-run, got {settings.action_adapter!r}"
    )


def check_webhook_url(url: str, allow_private: bool) -> None:
    """Refuses a webhook URL that is not https (http only to loopback) or whose host is
    a private address without MODMESH_ACTION_WEBHOOK_ALLOW_PRIVATE. Messages name the
    setting, never the URL: it may carry a token."""
    parsed = urlsplit(url)
    host = parsed.hostname or ""
    if parsed.scheme not in ("https", "http") or not host:
        raise ValueError("MODMESH_ACTION_WEBHOOK_URL must be an https:// URL with a host")
    addresses = _addresses(host)
    if parsed.scheme == "http" and not (addresses and all(a.is_loopback for a in addresses)):
        raise ValueError(
            "MODMESH_ACTION_WEBHOOK_URL must be https; http is only for a loopback address"
        )
    private = [a for a in addresses if a.is_private or a.is_loopback or a.is_link_local]
    if private and not allow_private:
        raise ValueError(
            "MODMESH_ACTION_WEBHOOK_URL's host is a private, loopback or link-local "
            "address; set MODMESH_ACTION_WEBHOOK_ALLOW_PRIVATE=true if that is intended"
        )


def _addresses(host: str) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    """The host's addresses: itself if it is one, else what it resolves to now (none if
    it does not resolve yet: deliveries will fail and retry, naming the failure)."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        found = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except OSError:
        return []
    return [ipaddress.ip_address(info[4][0]) for info in found]
