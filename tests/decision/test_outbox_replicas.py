"""Decision replicas sharing one database (SQLite and PostgreSQL), as real processes:
each outbox delivery is sent by one replica at a time, and one that a replica was
sending when it was killed (SIGKILL) is sent by another after its lease expires. The
webhook receiver deduplicates by idempotency key and counts what it got twice. A Submit
retried under one idempotency key on two replicas at once opens one case."""

from __future__ import annotations

import secrets
import signal
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import grpc
import pytest
from sqlalchemy import select

from modmesh.contracts.decision.v1 import decision_pb2, decision_pb2_grpc
from modmesh.decision.compose import SqlStore
from modmesh.decision.domain import ActionType, DeliveryStatus, Evidence, Reviewer
from modmesh.decision.policy.conditions import Facts
from modmesh.decision.policy.document import DEFAULT_RULE_SET
from modmesh.decision.tables import DeliveryRow
from modmesh.runtime.blobs import BlobStore
from modmesh.runtime.database import open_engine
from tests.decision.examples import media, source, term_hit
from tests.decision.wire import media_ref
from tests.support import (
    AUDIT_KEY,
    LoopbackSettings,
    ServiceProcess,
    loopback_settings,
    mesh_channel,
)
from tests.webhook_receiver import WebhookReceiver, webhook_receiver

SECRET = secrets.token_urlsafe(32)
#: The held send waits for its answer this long, time enough to kill its sender.
WEBHOOK_TIMEOUT_SECONDS = 10
#: Just above it, so a killed replica's delivery is taken over soon after.
LEASE_SECONDS = 12


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with webhook_receiver() as receiver:
        yield receiver


def removed_cases(database_url: str, count: int) -> None:
    """`count` cases whose removal waits in the outbox."""
    store = SqlStore(database_url, audit_key=AUDIT_KEY)
    try:
        store.put_reviewer(Reviewer("rev-1"), "admin-1", "onboarding")
        for n in range(count):
            case, _ = store.submit(media(n), source("account-1", f"content-{n}"))
            evidence = Evidence(term_hits=(term_hit(),))
            store.record_outcome(case.case_id, evidence, DEFAULT_RULE_SET.decide(Facts(evidence)))
            store.claim(case.case_id, "rev-1", 600)
            store.record_action(case.case_id, ActionType.REMOVE_CONTENT, "rev-1", "scam 4.2")
    finally:
        store.close()


def replica(tmp_path: Path, name: str, database_url: str, url: str) -> LoopbackSettings:
    return loopback_settings(
        tmp_path / name,
        decision_database_url=database_url,
        action_adapter="webhook",
        action_webhook_url=url,
        action_webhook_allow_private=True,  # the receiver listens on loopback
        action_webhook_secret=SECRET,
        action_webhook_timeout_seconds=WEBHOOK_TIMEOUT_SECONDS,
        work_lease_seconds=LEASE_SECONDS,
    )


def delivery_statuses(database_url: str) -> dict[str, str]:
    engine = open_engine(database_url)
    try:
        with engine.connect() as connection:
            query = select(DeliveryRow.idempotency_key, DeliveryRow.status)
            return {key: status for key, status in connection.execute(query)}
    finally:
        engine.dispose()


def holder_pid(database_url: str, key: str) -> int:
    engine = open_engine(database_url)
    try:
        with engine.connect() as connection:
            holder = connection.scalars(
                select(DeliveryRow.lease_holder).where(DeliveryRow.idempotency_key == key)
            ).one()
    finally:
        engine.dispose()
    assert holder is not None, f"delivery {key} is being sent but is not leased"
    return int(holder.rsplit("-", 2)[1])  # modmesh.runtime.leases.replica_id: host-pid-random


def all_delivered(database_url: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while set(delivery_statuses(database_url).values()) != {DeliveryStatus.DELIVERED.value}:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def test_two_replicas_deliver_every_action_once(
    tmp_path: Path, database_url: str, receiver: WebhookReceiver
) -> None:
    removed_cases(database_url, 30)
    receiver.delay_seconds = 0.05

    with (
        ServiceProcess("decision", replica(tmp_path, "one", database_url, receiver.url)),
        ServiceProcess("decision", replica(tmp_path, "two", database_url, receiver.url)),
    ):
        receiver.wait_for(30, timeout=60)
        assert all_delivered(database_url, timeout=10)

    assert receiver.duplicates == 0
    assert receiver.concurrent == []


def test_a_delivery_whose_sender_was_killed_is_sent_by_another_replica(
    tmp_path: Path, database_url: str, receiver: WebhookReceiver
) -> None:
    removed_cases(database_url, 10)
    receiver.hold_next()
    first = ServiceProcess("decision", replica(tmp_path, "one", database_url, receiver.url))
    try:
        first.__enter__()
        assert receiver.held.wait(30), "no delivery arrived"
        assert first.process is not None
        assert holder_pid(database_url, receiver.held_key) == first.process.pid
        first.process.send_signal(signal.SIGKILL)  # while its send waits for an answer
        first.process.wait()
        receiver.release()

        with ServiceProcess("decision", replica(tmp_path, "two", database_url, receiver.url)):
            receiver.wait_for(10, timeout=60)
            # The killed replica's delivery is sent again once its lease expired.
            assert all_delivered(database_url, timeout=LEASE_SECONDS + 20)
    finally:
        assert first.stop() == -signal.SIGKILL

    assert receiver.arrivals[receiver.held_key] == 2
    assert receiver.duplicates == 1  # sent twice, acted on once
    assert receiver.concurrent == []


def test_a_submit_retried_on_two_replicas_at_once_opens_one_case(
    tmp_path: Path, database_url: str, gift_card_clip: Path
) -> None:
    mesh = tmp_path / "mesh"  # one data dir: both replicas read the uploaded blob
    replicas = [loopback_settings(mesh, decision_database_url=database_url) for _ in range(2)]
    blob = BlobStore(mesh / "blobs", replicas[0].max_media_bytes).put_file(
        gift_card_clip, "video/mp4"
    )
    request = decision_pb2.SubmitRequest(
        media=media_ref(blob),
        source=decision_pb2.Source(account_id="uploader-1", content_id="post-1"),
        idempotency_key="upload-7f3a",
    )
    with ExitStack() as stack:
        stubs = []
        for settings in replicas:
            stack.enter_context(ServiceProcess("decision", settings))
            channel = stack.enter_context(mesh_channel(settings, settings.decision_addr))
            stubs.append(decision_pb2_grpc.DecisionServiceStub(channel))
        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(lambda i: stubs[i % 2].Submit(request), range(8)))
        retried = stubs[0].Submit(request)
        other = decision_pb2.SubmitRequest()
        other.CopyFrom(request)
        other.source.content_id = "post-2"
        with pytest.raises(grpc.RpcError) as refused:
            stubs[1].Submit(other)

    assert {answer.case_id for answer in answers} == {retried.case_id}
    # A retry gets the answer of the request that opened the case.
    assert retried.duplicate is False
    assert refused.value.code() is grpc.StatusCode.ALREADY_EXISTS
    assert "idempotency key 'upload-7f3a'" in (refused.value.details() or "")
