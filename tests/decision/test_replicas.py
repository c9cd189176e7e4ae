"""Case analysis across decision replicas, as real processes: on one PostgreSQL database
each case is analysed by one replica, a replica killed with SIGKILL loses its cases to
another once their leases expire, and cases whose transcription is down are RETRYING
until it is back; on SQLite, an operator (`modmesh cases retry`) or a resubmission
brings a FAILED case back."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from modmesh.contracts.common.v1 import evidence_pb2
from modmesh.contracts.decision.v1 import decision_pb2, decision_pb2_grpc
from modmesh.decision.compose import SqlStore as CaseStore
from modmesh.runtime.audit import AuditEntry
from modmesh.runtime.blobs import BlobStore
from modmesh.runtime.settings import MIB
from tests.decision.wire import media_ref
from tests.support import (
    AUDIT_KEY,
    LoopbackSettings,
    ServiceProcess,
    free_port,
    loopback_settings,
    mesh_channel,
    postgres_schema,
)

#: Minutes of real media or Whisper processes: `make test-slow`, not `make test`.
pytestmark = pytest.mark.slow

Stub = decision_pb2_grpc.DecisionServiceStub
#: Short leases and retries, so that takeovers and retries happen within a test.
LEASES = {
    "case_lease_seconds": 2.0,
    "case_claim_interval_seconds": 0.3,
    "case_retry_first_seconds": 0.5,
    "case_retry_max_seconds": 1.0,
    # Calls wait for an engine that is down (wait-for-ready) until this deadline.
    "engine_timeout_seconds": 30.0,
}
UNDECIDED = (decision_pb2.CASE_STATUS_PROCESSING, decision_pb2.CASE_STATUS_RETRYING)


def mesh(data_dir: Path, **overrides: object) -> LoopbackSettings:
    return loopback_settings(data_dir, max_media_bytes=4 * MIB, **{**LEASES, **overrides})


def another_replica(settings: LoopbackSettings) -> LoopbackSettings:
    """The same decision service (same database) on another port."""
    return replace(settings, decision_addr=f"127.0.0.1:{free_port()}")


def submit(stub: Stub, clip: evidence_pb2.MediaRef, item: str) -> decision_pb2.SubmitResponse:
    source = decision_pb2.Source(account_id="account-1", content_id=item)
    reply: decision_pb2.SubmitResponse = stub.Submit(
        decision_pb2.SubmitRequest(media=clip, source=source)
    )
    return reply


def until(
    stub: Stub, case_id: str, done: Callable[[decision_pb2.Case], bool], timeout: float
) -> decision_pb2.Case:
    deadline = time.monotonic() + timeout
    while True:
        case: decision_pb2.Case = stub.GetCase(decision_pb2.GetCaseRequest(case_id=case_id)).case
        if done(case):
            return case
        if time.monotonic() > deadline:
            status = decision_pb2.CaseStatus.Name(case.status)
            raise TimeoutError(f"case {case_id} still {status} after {timeout:.0f}s")
        time.sleep(0.2)


def decided(case: decision_pb2.Case) -> bool:
    return case.status not in UNDECIDED


def evidence_recorded(database_url: str) -> Counter[str]:
    """How often each case's evidence was recorded, by the audit log."""
    return Counter(e.subject for e in audited(database_url, "case.evidence_recorded"))


def log_events(*processes: ServiceProcess) -> list[dict[str, object]]:
    """The JSON events the processes logged (replicas of one service share a log)."""
    events = []
    for path in {process.log_path for process in processes}:
        for line in path.read_text(errors="replace").splitlines():
            if line.startswith("{"):
                events.append(json.loads(line))
    return events


@pytest.fixture
def postgres_url() -> Iterator[str]:
    with postgres_schema() as url:
        yield url


def test_two_replicas_retry_while_transcription_is_down_then_analyse_each_case_once(
    tmp_path: Path, postgres_url: str, gift_card_clip: Path
) -> None:
    settings = mesh(tmp_path / "data", decision_database_url=postgres_url)
    clip = media_ref(BlobStore(settings.data_dir / "blobs", 4 * MIB).put_file(gift_card_clip))
    items = [f"item-{n}" for n in range(6)]
    with (
        ServiceProcess("termmatch", settings),
        ServiceProcess("decision", settings) as first,
        ServiceProcess("decision", another_replica(settings)) as second,
        mesh_channel(settings, first.address) as one,
        mesh_channel(settings, second.address) as two,
    ):
        stubs = [Stub(one), Stub(two)]
        case_ids = [submit(stubs[n % 2], clip, item).case_id for n, item in enumerate(items)]

        retrying = [
            until(stubs[0], case_id, lambda c: c.status == decision_pb2.CASE_STATUS_RETRYING, 120)
            for case_id in case_ids
        ]
        with (
            ServiceProcess("transcription", settings, ready_timeout=600),
            ServiceProcess("similarity", settings, ready_timeout=600),
        ):
            outcomes = [until(stubs[1], case_id, decided, 600) for case_id in case_ids]

    for case in retrying:
        assert "transcription failed: DEADLINE_EXCEEDED" in case.error
        assert case.attempts >= 1
        assert case.next_attempt_at.ToDatetime() >= case.updated_at.ToDatetime()
    assert all(c.status != decision_pb2.CASE_STATUS_FAILED and not c.error for c in outcomes)
    assert all(c.attempts >= 1 and not c.HasField("next_attempt_at") for c in outcomes)
    assert evidence_recorded(postgres_url) == dict.fromkeys(case_ids, 1)
    analysed = [e for e in log_events(first, second) if e["event"] == "case analysed"]
    assert Counter(str(e["case_id"]) for e in analysed) == dict.fromkeys(case_ids, 1)


def held_leases(database_url: str) -> dict[str, tuple[str, datetime]]:
    """Each case a replica holds now: its holder and lease expiry."""
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text(
                    "SELECT id, analysis_holder, analysis_expires_at FROM cases "
                    "WHERE analysis_holder IS NOT NULL AND status = 'PROCESSING'"
                )
            )
            return {row.id: (row.analysis_holder, row.analysis_expires_at) for row in rows}
    finally:
        engine.dispose()


@contextmanager
def unanswering_engine() -> Iterator[str]:
    """An engine address that accepts connections and never answers: every call to it
    runs until its deadline, so an analysis is surely in flight when a replica dies."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            with suppress(TimeoutError):
                accepted.append(listener.accept()[0])

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join()
        for connection in accepted:
            connection.close()
        listener.close()


def audited(database_url: str, action: str) -> list[AuditEntry]:
    store = CaseStore(database_url, audit_key=AUDIT_KEY)
    try:
        return [e for e in store.audit_log() if e.action == action]
    finally:
        store.close()


def test_the_cases_of_a_replica_killed_mid_analysis_are_finished_by_another_after_expiry(
    tmp_path: Path, postgres_url: str, gift_card_clip: Path
) -> None:
    with unanswering_engine() as silent:
        # Each analysis waits 3 s for the engines, then fails for good (no retry budget).
        settings = replace(
            mesh(
                tmp_path / "data",
                decision_database_url=postgres_url,
                engine_timeout_seconds=3.0,
                case_retry_budget_seconds=0,
            ),
            transcription_addr=silent,
            similarity_addr=silent,
        )
        clip = media_ref(BlobStore(settings.data_dir / "blobs", 4 * MIB).put_file(gift_card_clip))
        doomed = ServiceProcess("decision", settings).__enter__()
        assert doomed.process is not None
        try:
            with mesh_channel(settings, doomed.address) as channel:
                case_ids = [submit(Stub(channel), clip, f"item-{n}").case_id for n in range(6)]
            deadline = time.monotonic() + 30
            while not held_leases(postgres_url):
                assert time.monotonic() < deadline, "the replica never claimed a case"
                time.sleep(0.05)
        finally:
            doomed.process.kill()  # SIGKILL: no drain, no lease given back
            doomed.process.wait()
        held = held_leases(postgres_url)  # as the dead replica left them
        assert held

        with (
            ServiceProcess("decision", another_replica(settings)) as survivor,
            mesh_channel(settings, survivor.address) as channel,
        ):
            outcomes = [until(Stub(channel), case_id, decided, 120) for case_id in case_ids]

    assert all("DEADLINE_EXCEEDED" in c.error and "retry budget" in c.error for c in outcomes)
    failures = audited(postgres_url, "case.failed")
    assert Counter(e.subject for e in failures) == dict.fromkeys(case_ids, 1)
    for entry in failures:
        if entry.subject in held:
            # Taken over only once the dead replica's lease ran out.
            assert entry.at >= held[entry.subject][1]


def modmesh(settings: LoopbackSettings, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - runs our own modmesh CLI
        [sys.executable, "-m", "modmesh.cli.main", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **settings.to_env()},
        timeout=60,
    )


def test_failed_cases_are_analysed_again_when_retried_by_an_operator_or_resubmitted(
    tmp_path: Path, gift_card_clip: Path
) -> None:
    # SQLite, one replica; with no retry budget a case whose engines are down FAILS.
    settings = mesh(tmp_path / "data", case_retry_budget_seconds=0)
    clip = media_ref(BlobStore(settings.data_dir / "blobs", 4 * MIB).put_file(gift_card_clip))
    with (
        ServiceProcess("decision", settings) as decision,
        mesh_channel(settings, decision.address) as channel,
    ):
        stub = Stub(channel)
        retried, resubmitted = (submit(stub, clip, item).case_id for item in ("one", "two"))
        for case_id in (retried, resubmitted):
            failed = until(stub, case_id, decided, 60)
            assert failed.status == decision_pb2.CASE_STATUS_FAILED
            assert "retry budget" in failed.error
    # The engines come up first, so that the replica started next finds them (a budget
    # of 0 s leaves no room for a channel still reconnecting).
    with ExitStack() as engines:
        for engine in ("transcription", "termmatch", "similarity"):
            engines.enter_context(ServiceProcess(engine, settings))
        with (
            ServiceProcess("decision", settings) as decision,
            mesh_channel(settings, decision.address) as channel,
        ):
            stub = Stub(channel)
            ran = modmesh(settings, "cases", "retry", retried, "--actor", "ops-ana")
            again = submit(stub, clip, "two")
            outcomes = [until(stub, case_id, decided, 300) for case_id in (retried, resubmitted)]

    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.split() == [retried, "retrying"]
    assert (again.case_id, again.duplicate) == (resubmitted, True)
    assert again.status == decision_pb2.CASE_STATUS_PROCESSING
    assert all(c.status != decision_pb2.CASE_STATUS_FAILED and not c.error for c in outcomes)
    store = CaseStore(settings.database_url_for("decision", ""), audit_key=AUDIT_KEY)
    try:
        log = store.audit_log()
    finally:
        store.close()
    assert [(e.subject, e.actor) for e in log if e.action == "case.retry_requested"] == [
        (retried, "ops-ana")
    ]
    assert [e.subject for e in log if e.action == "case.resubmitted"] == [resubmitted]
    assert evidence_recorded(settings.database_url_for("decision", "")) == {
        retried: 1,
        resubmitted: 1,
    }


def test_retry_without_a_running_decision_says_how_to_start_it(tmp_path: Path) -> None:
    ran = modmesh(loopback_settings(tmp_path / "data"), "cases", "retry", "--all-failed")

    assert ran.returncode == 1
    assert "cannot reach decision" in ran.stderr
