"""Two real termmatch replicas on one PostgreSQL schema: an edit made through either is
used by both within a second, without a restart."""

from __future__ import annotations

import time
from pathlib import Path

from modmesh.contracts.common.v1 import evidence_pb2
from modmesh.contracts.termmatch.v1 import termmatch_pb2 as pb
from modmesh.contracts.termmatch.v1 import termmatch_pb2_grpc
from tests.support import ServiceProcess, loopback_settings, mesh_channel, postgres_schema

HIGH = evidence_pb2.SEVERITY_HIGH


def seconds_until_it_hits(stub: termmatch_pb2_grpc.TermMatchServiceStub, text: str) -> float:
    started = time.monotonic()
    while time.monotonic() - started < 5:
        response = stub.Match(pb.MatchRequest(text=text), timeout=5)
        if response.hits:
            return time.monotonic() - started
        time.sleep(0.02)
    raise AssertionError(f"{text!r} never matched on the other replica")


def test_an_edit_through_one_replica_is_used_by_the_other_within_a_second(
    tmp_path: Path,
) -> None:
    with postgres_schema() as url:
        first = loopback_settings(tmp_path / "first", termmatch_database_url=url)
        second = loopback_settings(tmp_path / "second", termmatch_database_url=url)
        with (
            ServiceProcess("termmatch", first),
            ServiceProcess("termmatch", second),
            mesh_channel(first, first.termmatch_addr) as first_channel,
            mesh_channel(second, second.termmatch_addr) as second_channel,
        ):
            one = termmatch_pb2_grpc.TermMatchServiceStub(first_channel)
            two = termmatch_pb2_grpc.TermMatchServiceStub(second_channel)
            one.CreateList(
                pb.CreateListRequest(
                    list_id="live", name="Live", terms=[pb.Term(text="act now", severity=HIGH)]
                ),
                timeout=10,
            )
            assert seconds_until_it_hits(two, "act now") < 1.0

            two.AddTerms(
                pb.AddTermsRequest(
                    list_id="live", terms=[pb.Term(text="wire transfer", severity=HIGH)]
                ),
                timeout=10,
            )
            assert seconds_until_it_hits(one, "by wire transfer") < 1.0
            hit = one.Match(pb.MatchRequest(text="by wire transfer"), timeout=5).hits[0]
            assert (hit.list_id, hit.list_version) == ("live", 2)
