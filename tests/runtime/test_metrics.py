"""RED metrics and service gauges on the Prometheus endpoint of a real service process."""

from __future__ import annotations

import re
from pathlib import Path

import grpc
import httpx
import pytest

from modmesh.contracts.termmatch.v1 import termmatch_pb2 as pb
from modmesh.contracts.termmatch.v1 import termmatch_pb2_grpc
from tests.support import ServiceProcess, free_port, loopback_settings, mesh_channel


def sample(metrics: str, name: str, **labels: str) -> float:
    """The value of the one series of `name` whose labels include `labels`."""
    found = []
    for line in metrics.splitlines():
        match = re.fullmatch(rf"{name}\{{(.*)\}} (\S+)", line)
        if match and all(f'{k}="{v}"' in match.group(1) for k, v in labels.items()):
            found.append(float(match.group(2)))
    assert len(found) == 1, f"{len(found)} series of {name} with {labels}:\n{metrics}"
    return found[0]


def test_each_rpc_is_counted_and_timed_by_method_and_status_and_gauges_are_served(
    tmp_path: Path,
) -> None:
    port = free_port()
    settings = loopback_settings(tmp_path / "data", metrics_port=port)
    with ServiceProcess("termmatch", settings):
        with mesh_channel(settings, settings.termmatch_addr) as channel:
            stub = termmatch_pb2_grpc.TermMatchServiceStub(channel)
            stub.CreateList(
                pb.CreateListRequest(
                    list_id="sample-spam",
                    name="Spam",
                    terms=[pb.Term(text="buy followers", severity="SEVERITY_LOW")],
                )
            )
            stub.AddTerms(
                pb.AddTermsRequest(
                    list_id="sample-spam",
                    terms=[pb.Term(text="cheap likes", severity="SEVERITY_LOW")],
                )
            )
            for _ in range(3):
                with pytest.raises(grpc.RpcError) as refused:
                    stub.GetList(pb.GetListRequest(list_id="no-such-list"))
                assert refused.value.code() == grpc.StatusCode.NOT_FOUND
        metrics = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text

    def calls(method: str, code: grpc.StatusCode, series: str = "count", **labels: str) -> float:
        return sample(
            metrics,
            f"rpc_server_duration_seconds_{series}",
            rpc_service="modmesh.termmatch.v1.TermMatchService",
            rpc_method=method,
            rpc_grpc_status_code=str(code.value[0]),
            **labels,
        )

    assert calls("GetList", grpc.StatusCode.NOT_FOUND) == 3
    assert calls("CreateList", grpc.StatusCode.OK) == 1
    assert calls("GetList", grpc.StatusCode.NOT_FOUND, series="bucket", le="+Inf") == 3
    assert sample(metrics, "modmesh_termmatch_list_version", list_id="sample-spam") == 2
