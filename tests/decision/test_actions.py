"""Actions carried out through the adapters, against a real HTTP server started here:
signed bodies, idempotency keys, retries with backoff, dead letters after N failures."""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from modmesh.decision.actions.adapters import (
    IDEMPOTENCY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    DryRunAdapter,
    WebhookAdapter,
    adapter_from,
    sign,
)
from modmesh.decision.actions.outbox import Dispatcher
from modmesh.decision.compose import SqlStore as CaseStore
from modmesh.decision.domain import ActionType, DeliveryStatus, Evidence, Reviewer
from modmesh.decision.policy.conditions import Facts
from modmesh.decision.policy.document import DEFAULT_RULE_SET
from modmesh.decision.settings import DecisionSettings
from tests.decision.examples import CAPTURED, media, source, term_hit
from tests.support import AUDIT_KEY, loopback_settings

SECRET = secrets.token_urlsafe(32)


@dataclass
class Receiver:
    """What the platform's webhook endpoint saw, and how it behaves."""

    fail_first: int = 0
    delay_seconds: float = 0.0
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    url: str = ""


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.requests.append((dict(self.headers), body))
            time.sleep(state.delay_seconds)
            failing = len(state.requests) <= state.fail_first
            self.send_response(503 if failing else 200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/moderation"
    yield state
    server.shutdown()
    server.server_close()


class Clock:
    def __init__(self) -> None:
        self.now = CAPTURED

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(database_url: str, clock: Clock) -> Iterator[CaseStore]:
    store = CaseStore(database_url, clock=clock, audit_key=AUDIT_KEY)
    store.put_reviewer(Reviewer("rev-1"), "admin-1", "onboarding")
    yield store
    store.close()


def removed_case(store: CaseStore, n: int = 1) -> str:
    case, _ = store.submit(media(n), source("account-1", f"content-{n}"))
    evidence = Evidence(term_hits=(term_hit(),))
    store.record_outcome(case.case_id, evidence, DEFAULT_RULE_SET.decide(Facts(evidence)))
    store.claim(case.case_id, "rev-1", 600)
    store.record_action(case.case_id, ActionType.REMOVE_CONTENT, "rev-1", "scam policy 4.2")
    return case.case_id


def dispatcher(store: CaseStore, adapter: object, clock: Clock, attempts: int = 3) -> Dispatcher:
    return Dispatcher(store, adapter, attempts, retry_seconds=10, clock=clock)  # type: ignore[arg-type]


async def test_a_removal_is_posted_signed_with_its_idempotency_key(
    store: CaseStore, receiver: Receiver, clock: Clock
) -> None:
    case_id = removed_case(store)
    webhook = WebhookAdapter(receiver.url, SECRET, timeout_seconds=5)

    assert await dispatcher(store, webhook, clock).drain() == 1
    await webhook.close()

    [(headers, body)] = receiver.requests
    assert headers[SIGNATURE_HEADER] == sign(SECRET, headers[TIMESTAMP_HEADER], body)
    payload = json.loads(body)
    assert payload["case_id"] == case_id
    assert payload["action"] == "REMOVE_CONTENT"
    assert payload["policy"] == "scam policy 4.2"
    assert payload["kind"] == "apply"
    assert headers[IDEMPOTENCY_HEADER] == f"{payload['action_id']}-apply"
    assert store.get(case_id).actions[0].delivery is DeliveryStatus.DELIVERED
    assert store.audit_log()[-1].details["via"] == "webhook"


async def test_failures_are_retried_with_growing_delays_and_the_same_key(
    store: CaseStore, receiver: Receiver, clock: Clock
) -> None:
    receiver.fail_first = 2
    case_id = removed_case(store)
    webhook = WebhookAdapter(receiver.url, SECRET, timeout_seconds=5)
    send = dispatcher(store, webhook, clock, attempts=5)

    await send.drain()  # fails; next try in 10 s
    clock.now += timedelta(seconds=9)
    assert await send.drain() == 0  # not yet due
    clock.now += timedelta(seconds=1)
    await send.drain()  # fails again; next try in 20 s
    clock.now += timedelta(seconds=19)
    assert await send.drain() == 0
    clock.now += timedelta(seconds=1)
    await send.drain()  # succeeds
    await webhook.close()

    keys = {headers[IDEMPOTENCY_HEADER] for headers, _ in receiver.requests}
    assert len(receiver.requests) == 3
    assert len(keys) == 1
    assert store.get(case_id).actions[0].delivery is DeliveryStatus.DELIVERED
    failed = [e for e in store.audit_log() if e.action == "action.delivery_failed"]
    assert [e.details["error"] for e in failed] == ["the webhook answered HTTP 503"] * 2


async def test_an_endpoint_that_times_out_is_dead_lettered_after_n_attempts(
    store: CaseStore, receiver: Receiver, clock: Clock
) -> None:
    receiver.delay_seconds = 2
    case_id = removed_case(store)
    webhook = WebhookAdapter(receiver.url, SECRET, timeout_seconds=0.3)
    send = dispatcher(store, webhook, clock, attempts=2)

    await send.drain()
    clock.now += timedelta(minutes=5)
    await send.drain()
    clock.now += timedelta(hours=2)
    assert await send.drain() == 0  # dead letters are not retried
    await webhook.close()

    assert store.get(case_id).actions[0].delivery is DeliveryStatus.DEAD
    [dead] = [e for e in store.audit_log() if e.action == "action.dead_lettered"]
    assert dead.details["error"] == "the webhook timed out after 0.3s"
    assert dead.details["attempts"] == 2


async def test_an_unreachable_endpoint_is_named_without_its_address(
    store: CaseStore, clock: Clock
) -> None:
    removed_case(store)
    webhook = WebhookAdapter("http://127.0.0.1:9/hook?token=s3cret", SECRET, timeout_seconds=1)

    await dispatcher(store, webhook, clock).drain()
    await webhook.close()

    failure = store.audit_log()[-1]
    assert failure.details["error"] == "cannot reach the webhook (ConnectError)"
    assert "s3cret" not in json.dumps(failure.details)


async def test_dry_run_sends_nothing_but_says_so_in_the_audit_log(
    store: CaseStore, receiver: Receiver, clock: Clock
) -> None:
    case_id = removed_case(store)

    await dispatcher(store, DryRunAdapter(), clock).drain()

    assert receiver.requests == []
    assert store.get(case_id).actions[0].delivery is DeliveryStatus.DELIVERED
    assert store.audit_log()[-1].details["via"] == "dry-run"


def test_a_webhook_without_url_or_secret_is_refused_at_start(tmp_path: Path) -> None:
    settings = replace(loopback_settings(tmp_path).of(DecisionSettings), action_adapter="webhook")

    with pytest.raises(
        ValueError, match="MODMESH_ACTION_WEBHOOK_URL and MODMESH_ACTION_WEBHOOK_SECRET"
    ):
        adapter_from(settings)
    with pytest.raises(ValueError, match="log, webhook or dry-run"):
        adapter_from(replace(settings, action_adapter="email"))


def webhook_settings(tmp_path: Path, url: str, **more: object) -> DecisionSettings:
    return replace(
        loopback_settings(tmp_path).of(DecisionSettings),
        action_adapter="webhook",
        action_webhook_url=url,
        action_webhook_secret=SECRET,
        **more,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        (
            "http://hooks.example.com/modmesh?token=t0ken",
            "must be https; http is only for a loopback",
        ),
        ("ftp://hooks.example.com/x?token=t0ken", "must be an https:// URL with a host"),
        ("https://10.0.0.7/hook?token=t0ken", "MODMESH_ACTION_WEBHOOK_ALLOW_PRIVATE=true"),
        ("https://169.254.169.254/latest?token=t0ken", "MODMESH_ACTION_WEBHOOK_ALLOW_PRIVATE=true"),
        ("http://127.0.0.1:9/hook?token=t0ken", "MODMESH_ACTION_WEBHOOK_ALLOW_PRIVATE=true"),
        ("https://localhost/hook?token=t0ken", "MODMESH_ACTION_WEBHOOK_ALLOW_PRIVATE=true"),
    ],
    ids=["plain http", "not http", "private", "link-local metadata", "loopback http", "localhost"],
)
def test_a_webhook_url_that_is_not_https_or_is_private_stops_start_up_without_naming_it(
    tmp_path: Path, url: str, problem: str
) -> None:
    with pytest.raises(ValueError, match="MODMESH_ACTION_WEBHOOK_URL") as refused:
        adapter_from(webhook_settings(tmp_path, url))

    assert problem in str(refused.value)
    assert "t0ken" not in str(refused.value)


@pytest.mark.parametrize(
    ("url", "allow_private"),
    [
        ("https://93.184.215.14/hook", False),
        ("https://10.0.0.7/hook", True),
        ("http://127.0.0.1:9/hook", True),
    ],
    ids=["public https", "private with the setting", "loopback http with the setting"],
)
async def test_an_https_or_an_allowed_private_webhook_is_accepted(
    tmp_path: Path, url: str, allow_private: bool
) -> None:
    adapter = adapter_from(
        webhook_settings(tmp_path, url, action_webhook_allow_private=allow_private)
    )

    assert isinstance(adapter, WebhookAdapter)
    await adapter.close()


def test_a_webhook_secret_shorter_than_32_bytes_stops_start_up(tmp_path: Path) -> None:
    settings = replace(
        webhook_settings(tmp_path, "https://93.184.215.14/hook"), action_webhook_secret=SECRET[:31]
    )

    with pytest.raises(ValueError, match="MODMESH_ACTION_WEBHOOK_SECRET is shorter than 32"):
        adapter_from(settings)
