"""A service whose database goes away reports NOT_SERVING and refuses work with
UNAVAILABLE, a status callers retry; once the database is back it serves again, without
a restart."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from sqlalchemy.engine import make_url

from modmesh.contracts.common.v1 import evidence_pb2
from modmesh.contracts.decision.v1 import decision_pb2, decision_pb2_grpc
from modmesh.contracts.similarity.v1 import similarity_pb2, similarity_pb2_grpc
from modmesh.contracts.termmatch.v1 import termmatch_pb2, termmatch_pb2_grpc
from tests.outage import TcpProxy
from tests.support import ServiceProcess, loopback_settings, mesh_channel, postgres_schema

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING
#: Readiness is checked every 2 s; a check against a cut database fails at once.
WITHIN_SECONDS = 10.0


def _create_list(channel: grpc.Channel) -> None:
    termmatch_pb2_grpc.TermMatchServiceStub(channel).CreateList(
        termmatch_pb2.CreateListRequest(
            list_id=f"list-{time.monotonic_ns()}",
            name="outage",
            terms=[termmatch_pb2.Term(text="act now", severity=evidence_pb2.SEVERITY_HIGH)],
        ),
        timeout=10,
    )


def _create_bank(channel: grpc.Channel) -> None:
    similarity_pb2_grpc.SimilarityServiceStub(channel).CreateBank(
        similarity_pb2.CreateBankRequest(name=f"bank-{time.monotonic_ns()}"), timeout=10
    )


def _list_cases(channel: grpc.Channel) -> None:
    decision_pb2_grpc.DecisionServiceStub(channel).ListCases(
        decision_pb2.ListCasesRequest(), timeout=10
    )


def _health(channel: grpc.Channel) -> int:
    reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5)
    return int(reply.status)


def _eventually(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WITHIN_SECONDS
    while not condition():
        assert time.monotonic() < deadline, f"not {what} within {WITHIN_SECONDS:.0f}s"
        time.sleep(0.2)


@pytest.mark.parametrize(
    ("service", "work"),
    [("termmatch", _create_list), ("similarity", _create_bank), ("decision", _list_cases)],
)
def test_a_dead_database_is_not_serving_and_unavailable_then_serving_again(
    tmp_path: Path, service: str, work: Callable[[grpc.Channel], None]
) -> None:
    with postgres_schema() as url:
        parsed = make_url(url)
        with TcpProxy(parsed.host or "127.0.0.1", parsed.port or 5432) as proxy:
            through_proxy = url.replace(f"{parsed.host}:{parsed.port}", f"127.0.0.1:{proxy.port}")
            settings = loopback_settings(tmp_path, database_url=through_proxy)
            with (
                ServiceProcess(service, settings) as process,
                mesh_channel(settings, process.address) as channel,
            ):
                work(channel)

                proxy.cut()
                _eventually(lambda: _health(channel) == NOT_SERVING, "NOT_SERVING")
                with pytest.raises(grpc.RpcError) as refused:
                    work(channel)
                assert refused.value.code() == grpc.StatusCode.UNAVAILABLE
                assert f"{service}'s database is unavailable" in (refused.value.details() or "")

                proxy.restore()
                _eventually(lambda: _health(channel) == SERVING, "SERVING again")
                work(channel)
