"""The replicas of a local mesh: each a real `python -m modmesh.<service>` process on a
loopback port of its own, all on one database and one data folder (the blobs volume).

Every service reaches the replicas of another through one multi-address target
(`ipv4:127.0.0.1:p1,127.0.0.1:p2`, resolved by gRPC itself), so a replica that is killed
is left for its siblings and one that comes back is found again on the same port.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import grpc
import httpx
from grpc_health.v1 import health_pb2, health_pb2_grpc

#: Every service of the mesh; the order of the progress lines at start.
SERVICES = ("transcription", "termmatch", "similarity", "decision", "gateway")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class MeshError(RuntimeError):
    """A replica did not come up in time; the message holds the end of its log."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def target(ports: list[int]) -> str:
    """The gRPC target of a service's replicas: every port, so that a client's channel
    fails over (and, with round_robin, balances) across them."""
    if len(ports) == 1:
        return f"127.0.0.1:{ports[0]}"
    return "ipv4:" + ",".join(f"127.0.0.1:{port}" for port in ports)


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a live process (from /proc/<pid>/stat), None once gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces: count fields after its ")".
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


@dataclass
class Replica:
    service: str
    index: int
    port: int
    env: Mapping[str, str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    #: CPU seconds of the incarnations that are gone, plus the last sample of this one.
    cpu_before: float = 0.0
    cpu_now: float = 0.0

    @property
    def name(self) -> str:
        return f"{self.service}-{self.index}"

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            # A session of its own: a Ctrl-C at the terminal reaches only the harness,
            # which then stops every replica itself.
            self.process = subprocess.Popen(  # noqa: S603 - python -m modmesh.<service>
                [sys.executable, "-m", f"modmesh.{self.service}"],
                env={**os.environ, **self.env},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.cpu_now = 0.0

    def sample_cpu(self) -> None:
        if self.process is not None:
            seconds = cpu_seconds(self.process.pid)
            if seconds is not None:
                self.cpu_now = seconds

    @property
    def cpu_total(self) -> float:
        return self.cpu_before + self.cpu_now

    def kill(self) -> None:
        """SIGKILL: no drain, no goodbye, as when a node dies or the OOM killer strikes."""
        if self.process is None:
            return
        self.sample_cpu()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)
        self.cpu_before += self.cpu_now
        self.cpu_now = 0.0

    def ready(self) -> bool:
        if not self.running:
            return False
        if self.service == "gateway":
            try:
                return httpx.get(f"http://{self.address}/healthz", timeout=1).status_code == 200
            except httpx.HTTPError:
                return False
        with grpc.insecure_channel(self.address) as channel:
            try:
                reply = health_pb2_grpc.HealthStub(channel).Check(
                    health_pb2.HealthCheckRequest(), timeout=1
                )
            except grpc.RpcError:
                return False
        return bool(reply.status == health_pb2.HealthCheckResponse.SERVING)

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not self.ready():
            if self.process is not None and self.process.poll() is not None:
                raise MeshError(f"{self.name} exited {self.process.returncode}:\n{self.tail()}")
            if time.monotonic() > deadline:
                raise MeshError(f"{self.name} not ready after {timeout:.0f}s:\n{self.tail()}")
            time.sleep(0.3)

    def tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return "(no log)"


@dataclass
class Mesh:
    """Every replica, by service; `targets` names each service's replicas for clients."""

    replicas: dict[str, list[Replica]]
    log_dir: Path
    lock: threading.Lock = field(default_factory=threading.Lock)
    #: Set by stop(): nothing is started after it.
    closed: bool = False

    @classmethod
    def plan(
        cls,
        counts: Mapping[str, int],
        shared_env: Mapping[str, str],
        per_service_env: Mapping[str, Mapping[str, str]],
        log_dir: Path,
    ) -> Mesh:
        """Ports for every replica; each process's environment names the others' targets
        and binds its own port. Similarity's first replica is the one that builds the
        shared index files; the others follow them (rebuild_after 0)."""
        log_dir.mkdir(parents=True, exist_ok=True)
        ports = {s: [free_port() for _ in range(counts[s])] for s in SERVICES}
        targets = {f"MODMESH_{s.upper()}_ADDR": target(ports[s]) for s in SERVICES}
        replicas: dict[str, list[Replica]] = {}
        for service in SERVICES:
            replicas[service] = []
            for index, port in enumerate(ports[service]):
                env = {
                    **shared_env,
                    **targets,
                    **per_service_env.get(service, {}),
                    "MODMESH_BIND": f"127.0.0.1:{port}",
                }
                if service == "similarity" and index > 0:
                    env["MODMESH_SIMILARITY_REBUILD_AFTER"] = "0"
                log = log_dir / f"{service}-{index}.log"
                replicas[service].append(Replica(service, index, port, env, log))
        return cls(replicas, log_dir)

    def all(self) -> list[Replica]:
        return [replica for service in SERVICES for replica in self.replicas[service]]

    def target(self, service: str) -> str:
        return target([replica.port for replica in self.replicas[service]])

    def urls(self, service: str) -> list[str]:
        return [f"http://{replica.address}" for replica in self.replicas[service]]

    def start(self, timeout: float, say: Callable[[str], None]) -> None:
        """Starts every replica at once (each waits for what it needs: decision's
        migrations take a lock, clients connect when called) and returns once all are
        ready, saying when each service is."""
        started = time.monotonic()
        for replica in self.all():
            replica.start()
        for service in SERVICES:
            for replica in self.replicas[service]:
                replica.wait_ready(max(1.0, started + timeout - time.monotonic()))
            count = len(self.replicas[service])
            say(f"  {count} {service} ready after {time.monotonic() - started:.1f}s")

    def sample_cpu(self) -> None:
        with self.lock:
            for replica in self.all():
                replica.sample_cpu()

    def stop(self, grace: float) -> None:
        """Stops every replica: SIGTERM to all, then SIGKILL to any still running after
        `grace` seconds. Safe to call twice and from a failing run."""
        with self.lock:
            self.closed = True
            everyone = [r for r in self.all() if r.running]
            for replica in everyone:
                replica.sample_cpu()
                assert replica.process is not None
                replica.process.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + grace
            for replica in everyone:
                assert replica.process is not None
                try:
                    replica.process.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    replica.process.kill()
                    replica.process.wait(timeout=30)
