"""Termmatch and similarity name who changed a list or a bank as decision does: the
gateway's authenticated user, whatever the request's `actor` field claims; the operator's
CLI names the actor in the field ("unattributed" when it names nobody); another service
acting for nobody is refused."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack

import grpc
import pytest
import sqlalchemy as sa

from modmesh.contracts.similarity.v1 import similarity_pb2, similarity_pb2_grpc
from modmesh.contracts.termmatch.v1 import termmatch_pb2, termmatch_pb2_grpc
from modmesh.runtime.audit import read_entries
from modmesh.runtime.identity import EndUser
from modmesh.similarity.tables import AUDIT_TABLE as SIMILARITY_AUDIT
from modmesh.termmatch.tables import AUDIT_TABLE as TERMMATCH_AUDIT
from tests.support import (
    LoopbackSettings,
    ServiceProcess,
    called_as,
    loopback_settings,
    mesh_channel,
)

ALICE = EndUser("alice", ("policy-admin",))


@pytest.fixture(scope="module")
def mesh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoopbackSettings]:
    settings = loopback_settings(tmp_path_factory.mktemp("change-actor"))
    with ExitStack() as processes:
        for service in ("termmatch", "similarity"):
            processes.enter_context(ServiceProcess(service, settings))
        yield settings


def create_list(list_id: str, actor: str) -> Callable[[grpc.Channel], object]:
    def call(channel: grpc.Channel) -> object:
        stub = termmatch_pb2_grpc.TermMatchServiceStub(channel)
        return stub.CreateList(termmatch_pb2.CreateListRequest(list_id=list_id, actor=actor))

    return call


def create_bank(name: str, actor: str) -> Callable[[grpc.Channel], object]:
    def call(channel: grpc.Channel) -> object:
        stub = similarity_pb2_grpc.SimilarityServiceStub(channel)
        return stub.CreateBank(similarity_pb2.CreateBankRequest(name=name, actor=actor))

    return call


def last_audit_actor(mesh: LoopbackSettings, service: str, table: sa.Table) -> str:
    engine = sa.create_engine(mesh.database_url_for(service))
    try:
        return list(read_entries(engine, table))[-1].actor
    finally:
        engine.dispose()


def test_a_list_change_is_audited_as_the_gateways_user_whatever_the_request_claims(
    mesh: LoopbackSettings,
) -> None:
    called_as(mesh, "gateway", mesh.termmatch_addr, create_list("alices", "mallory"), ALICE)
    assert last_audit_actor(mesh, "termmatch", TERMMATCH_AUDIT) == "alice"


def test_a_bank_change_is_audited_as_the_gateways_user_whatever_the_request_claims(
    mesh: LoopbackSettings,
) -> None:
    called_as(mesh, "gateway", mesh.similarity_addr, create_bank("alices", "mallory"), ALICE)
    assert last_audit_actor(mesh, "similarity", SIMILARITY_AUDIT) == "alice"


def test_the_operators_cli_names_the_actor_or_is_recorded_as_unattributed(
    mesh: LoopbackSettings,
) -> None:
    called_as(mesh, "cli", mesh.termmatch_addr, create_list("named", "ops-oncall"))
    assert last_audit_actor(mesh, "termmatch", TERMMATCH_AUDIT) == "ops-oncall"
    called_as(mesh, "cli", mesh.similarity_addr, create_bank("nobody", ""))
    assert last_audit_actor(mesh, "similarity", SIMILARITY_AUDIT) == "unattributed"


@pytest.mark.parametrize("service", ["gateway", "decision"])
def test_a_service_acting_for_nobody_changes_nothing(mesh: LoopbackSettings, service: str) -> None:
    for address, change in (
        (mesh.termmatch_addr, create_list(f"by-{service}", "mallory")),
        (mesh.similarity_addr, create_bank(f"by-{service}", "mallory")),
    ):
        with pytest.raises(grpc.RpcError) as refused:
            called_as(mesh, service, address, change)
        assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED
        assert "only the gateway (for its user) or the operator's CLI" in str(
            refused.value.details()
        )
    with mesh_channel(mesh, mesh.termmatch_addr) as channel:
        lists = termmatch_pb2_grpc.TermMatchServiceStub(channel).ListLists(
            termmatch_pb2.ListListsRequest()
        )
    assert f"by-{service}" not in [found.list_id for found in lists.lists]
