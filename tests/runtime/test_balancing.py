"""Load spreading as the mesh's channels do it: round_robin over every address a target
resolves to, and servers that age connections out so clients reach new replicas."""

from __future__ import annotations

import asyncio
import re
import time
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from modmesh.contracts.termmatch.v1 import termmatch_pb2, termmatch_pb2_grpc
from modmesh.runtime.clients import connect
from modmesh.runtime.identity import Identity, key_path, keys_dir
from tests.support import LoopbackSettings, ServiceProcess, free_port, loopback_settings

METHOD = "ListLists"


def served(metrics_port: int) -> int:
    """How many ListLists calls the replica whose metrics are on `metrics_port` answered."""
    metrics = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5).text
    pattern = rf'rpc_server_duration_seconds_count\{{[^}}]*rpc_method="{METHOD}"[^}}]*\}} (\S+)'
    return int(sum(float(count) for count in re.findall(pattern, metrics)))


async def list_lists(target: str, identity: Identity, calls: int, pause: float = 0.0) -> None:
    """`calls` ListLists calls over one mesh channel to `target`, as decision makes them."""
    async with connect(target, identity) as channel:
        stub = termmatch_pb2_grpc.TermMatchServiceStub(channel)
        for _ in range(calls):
            await stub.ListLists(termmatch_pb2.ListListsRequest(), timeout=10)
            await asyncio.sleep(pause)


def replica(first: LoopbackSettings, data_dir: Path) -> LoopbackSettings:
    """Another termmatch replica's settings: its own data and metrics, the mesh's keys."""
    settings = loopback_settings(
        data_dir,
        service_key_file=str(key_path(first, "termmatch")),
        service_public_keys_dir=str(keys_dir(first)),
    )
    return replace(
        settings,
        metrics_port=free_port(),
        max_connection_age_seconds=first.max_connection_age_seconds,
    )


@pytest.fixture
def first(tmp_path: Path) -> LoopbackSettings:
    return replace(loopback_settings(tmp_path / "a"), metrics_port=free_port())


def test_round_robin_spreads_calls_over_every_replica(
    first: LoopbackSettings, tmp_path: Path
) -> None:
    second = replica(first, tmp_path / "b")
    with ExitStack() as processes:
        for settings in (first, second):
            processes.enter_context(ServiceProcess("termmatch", settings))
        # What a headless Service's DNS name resolves to: every replica's address.
        target = f"ipv4:{first.termmatch_addr},{second.termmatch_addr}"
        asyncio.run(list_lists(target, Identity.load(first, "decision"), calls=40))
        per_replica = [served(first.metrics_port), served(second.metrics_port)]
    # Round robin over ready connections: even, but for the first call or two, which
    # go to whichever replica's connection was ready first.
    assert sum(per_replica) == 40
    assert min(per_replica) >= 18, per_replica


def test_a_client_reaches_a_replica_started_after_it_connected(
    first: LoopbackSettings, tmp_path: Path
) -> None:
    # Both replicas listen on the same port (SO_REUSEPORT, as gRPC servers do by default):
    # the kernel hands each new connection to one of them, as a Service would a new pod.
    # Only a connection that is closed and opened again can reach the second one.
    first = replace(first, max_connection_age_seconds=1.0)
    second = replace(replica(first, tmp_path / "b"), termmatch_addr=first.termmatch_addr)
    identity = Identity.load(first, "decision")

    async def calls_while_second_starts() -> int:
        async with connect(first.termmatch_addr, identity) as channel:
            stub = termmatch_pb2_grpc.TermMatchServiceStub(channel)
            await stub.ListLists(termmatch_pb2.ListListsRequest(), timeout=10)
            # Its health check would reach the first replica: its log says when it serves.
            with ServiceProcess("termmatch", second) as started:
                deadline = time.monotonic() + 120
                while '"event": "serving"' not in started.log():
                    assert time.monotonic() < deadline, f"never served:\n{started.log()}"
                    await asyncio.sleep(0.2)
                calling_until = time.monotonic() + 8  # about eight connection ages
                while time.monotonic() < calling_until:
                    await stub.ListLists(termmatch_pb2.ListListsRequest(), timeout=10)
                    await asyncio.sleep(0.05)
                return served(second.metrics_port)

    with ServiceProcess("termmatch", first):
        reached = asyncio.run(calls_while_second_starts())
    assert reached > 0, "the client never reached the replica started after it"
