"""Runs the whole mesh on one machine: each service and the gateway in its own process,
exactly as they run in a cluster, supervised from here."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import grpc
import httpx
from grpc_health.v1 import health_pb2, health_pb2_grpc

from modmesh.cli.credentials import (
    API_KEYS_ENV,
    AUDIT_KEY_ENV,
    AUDIT_SIGNING_KEY_ENV,
    local_api_keys,
    local_audit_keys,
)
from modmesh.runtime.identity import ensure_local_keys
from modmesh.runtime.settings import ENV_PREFIX, MeshSettings

#: Started in this order; transcription and scoring come first because their models load
#: slowest.
SERVICES = ("transcription", "scoring", "termmatch", "similarity", "decision")
GATEWAY = "gateway"
#: The secrets each process reads. Every other process starts without them, so a
#: compromised service cannot read the gateway's keys from its own environment.
#: Each secret and the processes that read it.
SECRET_READERS = {
    API_KEYS_ENV: {GATEWAY},
    ENV_PREFIX + "JWT_SECRET": {GATEWAY},
    ENV_PREFIX + "TENANT_GRANTS": {GATEWAY},
    ENV_PREFIX + "ACTION_WEBHOOK_SECRET": {"decision"},
    AUDIT_SIGNING_KEY_ENV: {"decision"},
    # Every service that keeps an audit chain.
    AUDIT_KEY_ENV: {"decision", "termmatch", "similarity", "scoring"},
}


def process_env(name: str, env: Mapping[str, str]) -> dict[str, str]:
    """`env` without the secrets that `name` does not read."""
    return {key: value for key, value in env.items() if name in SECRET_READERS.get(key, {name})}


class MeshError(RuntimeError):
    """A process of the mesh failed to start or stopped unexpectedly."""


@dataclass
class Mesh:
    settings: MeshSettings
    report: Callable[[str], None] = lambda line: print(line, file=sys.stderr)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def log_dir(self) -> Path:
        return self.settings.data_dir / "logs"

    @property
    def gateway_url(self) -> str:
        return f"http://{self.settings.gateway_addr}"

    def address(self, name: str) -> str:
        return self.gateway_url if name == GATEWAY else str(getattr(self.settings, f"{name}_addr"))

    def start(self, timeout: float = 300.0) -> None:
        """Starts every process and returns once all report ready."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        # Every process signs its calls with a key pair of its own, made here on first
        # start, and checks others' calls against their public keys.
        ensure_local_keys(self.settings)
        env = {
            **os.environ,
            **self.settings.to_env(),
            API_KEYS_ENV: local_api_keys(self.settings),
            **local_audit_keys(self.settings),
        }
        for name in (*SERVICES, GATEWAY):
            with (self.log_dir / f"{name}.log").open("ab") as log:
                # A session of its own: Ctrl-C reaches only this supervisor, which then
                # stops the children in order, each draining its in-flight work.
                self.processes[name] = subprocess.Popen(  # noqa: S603 - python -m modmesh.<name>
                    [sys.executable, "-m", f"modmesh.{name}"],
                    env=process_env(name, env),
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
        self._wait_ready(timeout)

    def _wait_ready(self, timeout: float) -> None:
        waiting = set(self.processes)
        started = time.monotonic()
        last_report = 0.0
        while waiting:
            self.check_alive()
            waiting = {name for name in waiting if not self._is_ready(name)}
            elapsed = time.monotonic() - started
            if waiting and elapsed - last_report >= 5:
                last_report = elapsed
                self.report(f"  waiting for {', '.join(sorted(waiting))} ({elapsed:.0f}s)")
            if elapsed > timeout:
                raise MeshError(
                    f"{', '.join(sorted(waiting))} not ready after {timeout:.0f}s; "
                    f"see the logs in {self.log_dir}"
                )
            if waiting:
                time.sleep(0.3)

    def _is_ready(self, name: str) -> bool:
        if name == GATEWAY:
            try:
                return httpx.get(f"{self.gateway_url}/healthz", timeout=1).status_code == 200
            except httpx.HTTPError:
                return False
        with grpc.insecure_channel(self.address(name)) as channel:
            try:
                reply = health_pb2_grpc.HealthStub(channel).Check(
                    health_pb2.HealthCheckRequest(), timeout=1
                )
            except grpc.RpcError:
                return False
            return bool(reply.status == health_pb2.HealthCheckResponse.SERVING)

    def check_alive(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                tail = (self.log_dir / f"{name}.log").read_text(errors="replace")[-2000:]
                raise MeshError(
                    f"{name} exited with code {process.returncode}; end of its log:\n{tail}"
                )

    def stop(self) -> dict[str, int]:
        """Stops the gateway first, then the services; returns each exit code."""
        order = [GATEWAY, "decision", *[s for s in SERVICES if s != "decision"]]
        running = [self.processes[n] for n in order if n in self.processes]
        for process in running:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self.settings.drain_seconds + 15
        for process in running:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        codes = {name: process.returncode for name, process in self.processes.items()}
        self.processes.clear()
        return codes
