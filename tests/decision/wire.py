"""Helpers for tests that talk to the decision service over gRPC."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import grpc
import pytest

from modmesh.contracts.common.v1 import evidence_pb2
from modmesh.contracts.decision.v1 import decision_pb2, decision_pb2_grpc
from modmesh.runtime.blobs import Blob


def media_ref(blob: Blob) -> evidence_pb2.MediaRef:
    return evidence_pb2.MediaRef(
        sha256=blob.sha256, uri=blob.uri, size_bytes=blob.size_bytes, mime_type=blob.mime_type
    )


def refused(call: Callable[[], Any]) -> grpc.RpcError:
    """The error a call fails with; fails the test if the call succeeds."""
    with pytest.raises(grpc.RpcError) as caught:
        call()
    return caught.value


def until_analysed(
    decision: decision_pb2_grpc.DecisionServiceStub, case_id: str, timeout: float
) -> decision_pb2.Case:
    """Polls GetCase until the case has left PROCESSING."""
    deadline = time.monotonic() + timeout
    while True:
        case: decision_pb2.Case = decision.GetCase(
            decision_pb2.GetCaseRequest(case_id=case_id)
        ).case
        if case.status != decision_pb2.CASE_STATUS_PROCESSING:
            return case
        if time.monotonic() > deadline:
            raise TimeoutError(f"case {case_id} still PROCESSING after {timeout:.0f}s")
        time.sleep(0.2)
