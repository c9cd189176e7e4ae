"""Who acts, for the audit, comes from the caller's credential: the end user the gateway
authenticated, whatever a request's `actor` field claims; only the operator's CLI names
the actor in the field."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TypeVar

import grpc
import pytest
import sqlalchemy as sa

from modmesh.contracts.decision.v1 import decision_pb2, decision_pb2_grpc
from modmesh.decision.audit import read_entries
from modmesh.runtime.identity import EndUser
from tests.support import LoopbackSettings, ServiceProcess, called_as, loopback_settings

T = TypeVar("T")
RULES = "rules: [{id: all, when: {any: [{term_hits: {}}]}, then: {queue: {priority: high}}}]"


@pytest.fixture(scope="module")
def mesh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoopbackSettings]:
    settings = loopback_settings(tmp_path_factory.mktemp("decision-actor"))
    with ServiceProcess("decision", settings):
        yield settings


def as_caller(
    mesh: LoopbackSettings,
    service: str,
    call: Callable[[decision_pb2_grpc.DecisionServiceStub], T],
    user: EndUser | None = None,
) -> T:
    """`call` to decision made by the process `service`, for `user` if given."""
    return called_as(
        mesh,
        service,
        mesh.decision_addr,
        lambda c: call(decision_pb2_grpc.DecisionServiceStub(c)),
        user,
    )


def last_audit_actor(mesh: LoopbackSettings) -> str:
    engine = sa.create_engine(mesh.database_url_for("decision"))
    try:
        return list(read_entries(engine))[-1].actor
    finally:
        engine.dispose()


def publish(actor: str) -> Callable[[decision_pb2_grpc.DecisionServiceStub], str]:
    def call(stub: decision_pb2_grpc.DecisionServiceStub) -> str:
        request = decision_pb2.PutRulesRequest(document=RULES, actor=actor, reason="test")
        return str(stub.PutRules(request, timeout=10).rule_set.actor)

    return call


def test_the_actor_is_the_gateways_user_whatever_the_request_claims(
    mesh: LoopbackSettings,
) -> None:
    alice = EndUser("alice", ("policy-admin",))
    recorded = as_caller(mesh, "gateway", publish("mallory"), user=alice)
    assert recorded == "alice"
    assert last_audit_actor(mesh) == "alice"


def test_a_reviewer_change_is_audited_as_the_gateways_user(mesh: LoopbackSettings) -> None:
    def put_reviewer(stub: decision_pb2_grpc.DecisionServiceStub) -> None:
        stub.PutReviewer(
            decision_pb2.PutReviewerRequest(
                reviewer=decision_pb2.Reviewer(reviewer_id="rev-1", languages=["en"]),
                actor="mallory",
                reason="onboarding",
            ),
            timeout=10,
        )

    as_caller(mesh, "gateway", put_reviewer, user=EndUser("bob", ("policy-admin",)))
    assert last_audit_actor(mesh) == "bob"


def test_the_operators_cli_names_the_actor_in_the_request(mesh: LoopbackSettings) -> None:
    assert as_caller(mesh, "cli", publish("operator-on-call")) == "operator-on-call"
    assert last_audit_actor(mesh) == "operator-on-call"


def test_a_service_acting_for_no_user_may_not_name_an_actor(mesh: LoopbackSettings) -> None:
    with pytest.raises(grpc.RpcError) as refused:
        as_caller(mesh, "termmatch", publish("mallory"))
    assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert "termmatch acts for no authenticated user" in str(refused.value.details())
