"""The runtime's health contract, as the kubelet's gRPC probes see it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from modmesh.runtime.clients import wait_until_serving
from modmesh.runtime.errors import ResourceExhausted
from modmesh.runtime.server import LIVENESS, _status_for
from tests.runtime.loading_service import RELEASE_ENV
from tests.support import loopback_settings

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


def status(address: str, service: str) -> int:
    with grpc.insecure_channel(address) as channel:
        reply = health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(service=service), timeout=2
        )
    return int(reply.status)


def test_a_loading_service_is_alive_but_not_ready_until_its_load_returns(tmp_path: Path) -> None:
    settings = loopback_settings(tmp_path / "data")
    release = tmp_path / "release"
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.runtime.loading_service"],
        env={**os.environ, **settings.to_env(), RELEASE_ENV: str(release)},
        stderr=subprocess.PIPE,
    )
    address = settings.termmatch_addr
    try:
        wait_until_serving(address, service=LIVENESS, timeout=60)
        time.sleep(0.5)  # the load is still waiting: readiness must still say no
        assert status(address, "") == NOT_SERVING
        assert status(address, "modmesh.test.LoadingService") == NOT_SERVING

        release.touch()
        wait_until_serving(address, timeout=30)
        assert status(address, LIVENESS) == SERVING
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr.decode()


def test_a_retry_hint_reaches_grpcs_own_retries_as_pushback() -> None:
    # RetryInfo is read by people and custom clients; gRPC's retry policy reads only the
    # grpc-retry-pushback-ms trailer, so a refusal with a hint carries both.
    status = _status_for(ResourceExhausted("busy", retry_after_seconds=2.5))
    assert status.code == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert ("grpc-retry-pushback-ms", "2500") in status.trailing_metadata
    assert not any(
        key == "grpc-retry-pushback-ms"
        for key, _ in _status_for(ResourceExhausted("full")).trailing_metadata
    )
