"""Every service of a real mesh refuses gRPC calls that carry no valid service token, and
answers health checks without one (the kubelet's probes carry none)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path

import grpc
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from grpc_health.v1 import health_pb2, health_pb2_grpc

from modmesh.cli.main import main
from modmesh.contracts.decision.v1 import decision_pb2, decision_pb2_grpc
from modmesh.contracts.termmatch.v1 import termmatch_pb2, termmatch_pb2_grpc
from modmesh.runtime.clients import blocking_channel, connect
from modmesh.runtime.identity import (
    SERVICES,
    TOKEN_SECONDS,
    EndUser,
    Identity,
    act_for,
    key_path,
)
from modmesh.runtime.media import PCM16
from tests.support import LoopbackSettings, ServiceProcess, loopback_settings

#: One cheap method of each service, called with an empty request: the token is checked
#: before the request is looked at.
METHODS = {
    "transcription": "/modmesh.transcription.v1.TranscriptionService/Transcribe",
    "termmatch": "/modmesh.termmatch.v1.TermMatchService/ListLists",
    "similarity": "/modmesh.similarity.v1.SimilarityService/ListBanks",
    "decision": "/modmesh.decision.v1.DecisionService/ListCases",
}


@pytest.fixture(scope="module")
def mesh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoopbackSettings]:
    settings = loopback_settings(tmp_path_factory.mktemp("identity"))
    with ExitStack() as processes:
        for service in METHODS:
            processes.enter_context(ServiceProcess(service, settings))
        yield settings


def call(address: str, method: str, metadata: tuple[tuple[str, str], ...] = ()) -> grpc.RpcError:
    with grpc.insecure_channel(address) as channel, pytest.raises(grpc.RpcError) as refused:
        channel.unary_unary(method)(b"", metadata=metadata, timeout=10)
    return refused.value


def bearer(token: str) -> tuple[tuple[str, str], ...]:
    return (("authorization", f"Bearer {token}"),)


@pytest.mark.parametrize("service", METHODS)
def test_a_call_without_a_token_is_unauthenticated(mesh: LoopbackSettings, service: str) -> None:
    error = call(getattr(mesh, f"{service}_addr"), METHODS[service])
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED
    assert error.details() == "service token refused: no service token (authorization: Bearer …)"


@pytest.mark.parametrize("service", METHODS)
def test_a_token_signed_with_another_key_is_unauthenticated(
    mesh: LoopbackSettings, service: str
) -> None:
    forger = Identity("gateway", Ed25519PrivateKey.generate(), {})
    forged = forger.mint()
    error = call(getattr(mesh, f"{service}_addr"), METHODS[service], bearer(forged))
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED
    assert "Signature verification failed" in error.details()


@pytest.mark.parametrize("service", METHODS)
def test_an_expired_token_is_unauthenticated(mesh: LoopbackSettings, service: str) -> None:
    stale = Identity.load(mesh, "gateway").mint(now=time.time() - TOKEN_SECONDS - 120)
    error = call(getattr(mesh, f"{service}_addr"), METHODS[service], bearer(stale))
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED
    assert "expired" in error.details()


def test_a_stream_without_a_token_is_unauthenticated(mesh: LoopbackSettings) -> None:
    with grpc.insecure_channel(mesh.decision_addr) as channel:
        stream = channel.stream_stream("/modmesh.decision.v1.DecisionService/ModerateStream")
        with pytest.raises(grpc.RpcError) as refused:
            list(stream(iter([b""]), timeout=10))
    assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED


@pytest.mark.parametrize("service", METHODS)
def test_health_checks_need_no_token(mesh: LoopbackSettings, service: str) -> None:
    with grpc.insecure_channel(getattr(mesh, f"{service}_addr")) as channel:
        reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest())
    assert reply.status == health_pb2.HealthCheckResponse.SERVING


def test_a_process_without_its_service_key_does_not_start(tmp_path: Path) -> None:
    settings = loopback_settings(tmp_path)
    missing = key_path(settings, "termmatch")
    missing.unlink()
    exited = subprocess.run(
        [sys.executable, "-m", "modmesh.termmatch"],
        env={**os.environ, **settings.to_env()},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert exited.returncode == 1
    assert f"no service key at {missing}" in exited.stdout + exited.stderr


def test_the_cli_prints_a_token_that_raw_grpc_clients_can_use(
    mesh: LoopbackSettings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--data-dir", str(mesh.data_dir), "service-token"]) == 0
    token = capsys.readouterr().out.strip()
    with grpc.insecure_channel(mesh.termmatch_addr) as channel:
        reply = channel.unary_unary(METHODS["termmatch"])(b"", metadata=bearer(token), timeout=10)
    assert reply == b""  # no lists yet: an empty ListListsResponse


def test_the_cli_makes_the_key_pairs_kubernetes_mounts_and_they_open_the_mesh(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    keys = tmp_path / "keys"
    assert main(["service-keys", str(keys)]) == 0
    assert str(keys) in capsys.readouterr().out
    assert sorted(path.name for path in keys.iterdir()) == sorted(
        f"{service}.{kind}" for service in SERVICES for kind in ("key", "pub")
    )
    # termmatch as a pod runs it: its own Secret's key and the public keys' ConfigMap.
    settings = loopback_settings(
        tmp_path / "mesh",
        service_key_file=str(keys / "termmatch.key"),
        service_public_keys_dir=str(keys),
    )
    with ServiceProcess("termmatch", settings):
        cli = Identity.load(replace(settings, service_key_file=str(keys / "cli.key")), "cli")
        with blocking_channel(settings.termmatch_addr, cli) as channel:
            reply = channel.unary_unary(METHODS["termmatch"])(b"", timeout=10)
    assert reply == b""


def test_mesh_channels_sign_calls_of_every_streaming_shape(mesh: LoopbackSettings) -> None:
    identity = Identity.load(mesh, "gateway")

    async def calls() -> list[grpc.StatusCode]:
        codes = []
        act_for(EndUser("ana", ("policy-admin",)))  # as the gateway calls, for its user
        async with connect(mesh.termmatch_addr, identity) as channel:
            termmatch = termmatch_pb2_grpc.TermMatchServiceStub(channel)
            with pytest.raises(grpc.aio.AioRpcError) as unary_stream:
                async for _ in termmatch.ExportTerms(
                    termmatch_pb2.ExportTermsRequest(list_id="none"), timeout=10
                ):
                    pass
            codes.append(unary_stream.value.code())
            with pytest.raises(grpc.aio.AioRpcError) as stream_unary:
                await termmatch.ImportTerms(
                    iter([termmatch_pb2.ImportTermsRequest(list_id="none")]), timeout=10
                )
            codes.append(stream_unary.value.code())
        async with connect(mesh.decision_addr, identity) as channel:
            live = decision_pb2_grpc.DecisionServiceStub(channel).ModerateStream(timeout=10)
            opening = decision_pb2.LiveStreamOpen(stream_id="signed", account_id="a", format=PCM16)
            await live.write(decision_pb2.ModerateStreamRequest(open=opening))
            reply = await live.read()
            assert reply.WhichOneof("message") == "opened"
            live.cancel()
        return codes

    assert asyncio.run(calls()) == [grpc.StatusCode.NOT_FOUND, grpc.StatusCode.NOT_FOUND]
