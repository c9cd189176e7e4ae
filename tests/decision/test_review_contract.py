"""Review over gRPC against a real decision process: reviewers, protected accounts,
queues, leases and decisions, with every refusal a person can act on."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

from modmesh.contracts.decision.v1 import decision_pb2, decision_pb2_grpc
from tests.decision.examples import opened_case
from tests.decision.wire import refused
from tests.support import LoopbackSettings, ServiceProcess, loopback_settings, mesh_channel


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> LoopbackSettings:
    return loopback_settings(tmp_path_factory.mktemp("decision-review"))


def opened(settings: LoopbackSettings, n: int, account: str = "account-1") -> str:
    return opened_case(settings.database_url_for("decision"), n, account)


@pytest.fixture(scope="module")
def decision(settings: LoopbackSettings) -> Iterator[decision_pb2_grpc.DecisionServiceStub]:
    with (
        ServiceProcess("decision", settings) as process,
        mesh_channel(process.settings, process.address) as channel,
    ):
        stub = decision_pb2_grpc.DecisionServiceStub(channel)
        for reviewer in (
            decision_pb2.Reviewer(reviewer_id="ana", languages=["en"]),
            decision_pb2.Reviewer(reviewer_id="ben"),
            decision_pb2.Reviewer(reviewer_id="cleo", protected_queue=True),
        ):
            stub.PutReviewer(
                decision_pb2.PutReviewerRequest(reviewer=reviewer, actor="admin", reason="new")
            )
        yield stub


def test_a_reviewer_claims_decides_and_the_case_leaves_the_queue(
    decision: decision_pb2_grpc.DecisionServiceStub, settings: LoopbackSettings
) -> None:
    case_id = opened(settings, 1)
    queue = decision.ListQueue(decision_pb2.ListQueueRequest(reviewer_id="ana")).cases
    assert case_id in [c.case_id for c in queue]

    claimed = decision.ClaimCase(
        decision_pb2.ClaimCaseRequest(case_id=case_id, reviewer_id="ana", lease_seconds=60)
    ).case
    taken = refused(
        lambda: decision.ClaimCase(
            decision_pb2.ClaimCaseRequest(case_id=case_id, reviewer_id="ben")
        )
    )
    closed = decision.RecordAction(
        decision_pb2.RecordActionRequest(
            case_id=case_id,
            type=decision_pb2.ACTION_TYPE_REMOVE_CONTENT,
            actor="ana",
            reason="scam policy 4.2",
        )
    ).case
    again = refused(
        lambda: decision.RecordAction(
            decision_pb2.RecordActionRequest(
                case_id=case_id, type=decision_pb2.ACTION_TYPE_NO_VIOLATION, actor="ana"
            )
        )
    )

    assert claimed.lease.holder == "ana"
    assert taken.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "held by reviewer ana" in taken.details()
    assert closed.status == decision_pb2.CASE_STATUS_CLOSED
    assert not closed.HasField("lease")
    assert again.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "CLOSED" in again.details()
    assert len(decision.GetCase(decision_pb2.GetCaseRequest(case_id=case_id)).case.actions) == 1


def test_the_log_adapter_delivers_a_removal(
    decision: decision_pb2_grpc.DecisionServiceStub, settings: LoopbackSettings
) -> None:
    case_id = opened(settings, 2)
    decision.ClaimCase(decision_pb2.ClaimCaseRequest(case_id=case_id, reviewer_id="ben"))
    decision.RecordAction(
        decision_pb2.RecordActionRequest(
            case_id=case_id,
            type=decision_pb2.ACTION_TYPE_REMOVE_CONTENT,
            actor="ben",
            reason="scam policy 4.2",
        )
    )

    for _ in range(50):
        case = decision.GetCase(decision_pb2.GetCaseRequest(case_id=case_id)).case
        if case.actions[0].delivery_status == decision_pb2.DELIVERY_STATUS_DELIVERED:
            break
        time.sleep(0.1)
    assert case.actions[0].delivery_status == decision_pb2.DELIVERY_STATUS_DELIVERED


def test_protected_accounts_cases_need_a_cleared_reviewer(
    decision: decision_pb2_grpc.DecisionServiceStub, settings: LoopbackSettings
) -> None:
    case_id = opened(settings, 3, account="mayor")
    decision.PutAccount(
        decision_pb2.PutAccountRequest(
            account=decision_pb2.Account(account_id="mayor", protected=True),
            actor="admin",
            reason="public office",
        )
    )

    general = decision.ListQueue(decision_pb2.ListQueueRequest(reviewer_id="ben")).cases
    protected = decision.ListQueue(
        decision_pb2.ListQueueRequest(reviewer_id="cleo", queue=decision_pb2.QUEUE_PROTECTED)
    ).cases
    not_cleared = refused(
        lambda: decision.ClaimCase(
            decision_pb2.ClaimCaseRequest(case_id=case_id, reviewer_id="ben")
        )
    )

    assert case_id not in [c.case_id for c in general]
    assert [c.case_id for c in protected] == [case_id]
    assert not_cleared.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "protected" in not_cleared.details()


@pytest.mark.parametrize(
    ("call", "code", "phrase"),
    [
        (
            lambda d: d.ListQueue(decision_pb2.ListQueueRequest(reviewer_id="ghost")),
            grpc.StatusCode.NOT_FOUND,
            "reviewer 'ghost' is not registered",
        ),
        (
            lambda d: d.ClaimCase(decision_pb2.ClaimCaseRequest(case_id="x", reviewer_id="")),
            grpc.StatusCode.INVALID_ARGUMENT,
            "reviewer_id is required",
        ),
        (
            lambda d: d.ClaimCase(
                decision_pb2.ClaimCaseRequest(case_id="x", reviewer_id="ana", lease_seconds=-1)
            ),
            grpc.StatusCode.INVALID_ARGUMENT,
            "lease_seconds",
        ),
        (
            lambda d: d.PutReviewer(
                decision_pb2.PutReviewerRequest(
                    reviewer=decision_pb2.Reviewer(reviewer_id="x"), actor="admin"
                )
            ),
            grpc.StatusCode.INVALID_ARGUMENT,
            "reason is required",
        ),
        (
            lambda d: d.ListQueue(
                decision_pb2.ListQueueRequest(reviewer_id="ana", queue=9)  # type: ignore[arg-type]
            ),
            grpc.StatusCode.INVALID_ARGUMENT,
            "queue 9",
        ),
        (
            lambda d: d.PutReviewer(
                decision_pb2.PutReviewerRequest(
                    reviewer=decision_pb2.Reviewer(reviewer_id="x"),
                    actor="admin",
                    reason="r" * 10_001,
                )
            ),
            grpc.StatusCode.INVALID_ARGUMENT,
            "reason is 10001 characters, over the limit of 10000",
        ),
    ],
)
def test_bad_review_requests_are_refused_clearly(
    decision: decision_pb2_grpc.DecisionServiceStub,
    call: object,
    code: grpc.StatusCode,
    phrase: str,
) -> None:
    error = refused(lambda: call(decision))  # type: ignore[operator]

    assert error.code() == code
    assert phrase in error.details()


def test_a_misconfigured_adapter_stops_the_service_at_start(tmp_path: Path) -> None:
    settings = loopback_settings(tmp_path, action_adapter="webhook")

    result = subprocess.run(
        [sys.executable, "-m", "modmesh.decision"],
        env={**os.environ, **settings.to_env()},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 1
    assert "MODMESH_ACTION_WEBHOOK_URL" in result.stdout + result.stderr
