"""Test support: real service processes on loopback ports, the mesh a live stream needs,
and fresh media.

Nothing here is a mock: `ServiceProcess` starts `python -m modmesh.<service>` exactly as
`modmesh up` does, waits for grpc.health.v1 to report SERVING, and on exit sends SIGTERM
and checks the process drained and exited 0.
"""

from __future__ import annotations

import contextvars
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

import grpc
import pytest
from google.protobuf import json_format

from modmesh.cli.samples import TERM_LIST
from modmesh.contracts.termmatch.v1 import termmatch_pb2, termmatch_pb2_grpc
from modmesh.decision.settings import DecisionSettings
from modmesh.gateway.settings import GatewaySettings
from modmesh.runtime.audit import AuditKey
from modmesh.runtime.clients import blocking_channel, wait_until_serving
from modmesh.runtime.identity import EndUser, Identity, act_for, ensure_local_keys
from modmesh.runtime.settings import ENV_PREFIX, MeshSettings
from modmesh.scoring.settings import ScoringSettings
from modmesh.similarity.settings import SimilaritySettings
from modmesh.termmatch.settings import TermMatchSettings
from modmesh.transcription.settings import TranscriptionSettings

#: The PostgreSQL server the suite runs against (trust auth, database `test`).
POSTGRES_URL = os.environ.get(
    "MODMESH_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


#: The audit chains' HMAC key and the checkpoints' Ed25519 key (hex seed) of every test
#: mesh and store: real keys, never in any database.
AUDIT_KEY_SETTING = "test-audit-key-0123456789abcdefghij"
AUDIT_KEY = AuditKey.from_setting(AUDIT_KEY_SETTING, "AUDIT_KEY_SETTING")
AUDIT_SIGNING_KEY_SETTING = "9f" * 32


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


#: Each process's own settings class: together they name every MODMESH_* variable. In the
#: order `modmesh up` starts them (modmesh.cli.mesh.SERVICES), the gateway last.
SERVICE_SETTINGS: tuple[type[MeshSettings], ...] = (
    TranscriptionSettings,
    ScoringSettings,
    TermMatchSettings,
    SimilaritySettings,
    DecisionSettings,
    GatewaySettings,
)
S = TypeVar("S", bound=MeshSettings)
T = TypeVar("T")
SHARED_FIELDS = {f.name for f in fields(MeshSettings)}
SERVICE_FIELDS = {f.name for cls in SERVICE_SETTINGS for f in fields(cls)} - SHARED_FIELDS


@dataclass(frozen=True)
class LoopbackSettings(MeshSettings):
    """A test mesh's shared settings plus service-specific ones as MODMESH_* variables,
    which `to_env` hands every process and each reads only if they are its own."""

    service_env: Mapping[str, str] = field(default_factory=dict)

    def to_env(self) -> dict[str, str]:
        shared = super().to_env()
        del shared[ENV_PREFIX + "SERVICE_ENV"]  # the overrides themselves are no setting
        return {**shared, **self.service_env}

    def of(self, service_settings: type[S]) -> S:
        """What a process started with these settings reads: its own settings class."""
        return service_settings.from_env(self.to_env())


def loopback_settings(data_dir: Path, **overrides: Any) -> LoopbackSettings:
    """Settings whose every address is a free loopback port and whose data stays in data_dir;
    overrides of a service's own fields (e.g. action_adapter) reach it as variables."""

    def loopback() -> str:
        return f"127.0.0.1:{free_port()}"

    overrides = {
        "audit_key": AUDIT_KEY_SETTING,
        "audit_signing_key": AUDIT_SIGNING_KEY_SETTING,
        **overrides,
    }
    unknown = set(overrides) - SHARED_FIELDS - SERVICE_FIELDS
    assert not unknown, f"not a field of any service's settings: {sorted(unknown)}"
    settings = LoopbackSettings(
        data_dir=data_dir,
        decision_addr=loopback(),
        transcription_addr=loopback(),
        termmatch_addr=loopback(),
        similarity_addr=loopback(),
        scoring_addr=loopback(),
        gateway_addr=loopback(),
        service_env={
            ENV_PREFIX + name.upper(): str(value)
            for name, value in overrides.items()
            if name in SERVICE_FIELDS
        },
    )
    settings = replace(settings, **{k: v for k, v in overrides.items() if k in SHARED_FIELDS})
    # As `modmesh up` does: every service's key pair, which the processes read.
    ensure_local_keys(settings)
    return settings


def mesh_channel(settings: MeshSettings, address: str) -> grpc.Channel:
    """A blocking channel to `address` whose calls carry a service token, as the
    operator's CLI sends them (so request fields may name the actor)."""
    return blocking_channel(address, Identity.load(settings, "cli"))


def called_as(
    settings: MeshSettings,
    service: str,
    address: str,
    call: Callable[[grpc.Channel], T],
    user: EndUser | None = None,
) -> T:
    """`call` made over a channel of the process `service` (its token), for `user` if
    given, as the gateway calls for its user. In a context of its own: the user does not
    leak into other calls."""

    def made() -> T:
        if user is not None:
            act_for(user)
        with blocking_channel(address, Identity.load(settings, service)) as channel:
            return call(channel)

    return contextvars.copy_context().run(made)


#: The modmesh command, run in its own process as an operator runs it.
MODMESH = [sys.executable, "-m", "modmesh.cli.main"]


def run_modmesh(
    *args: str,
    settings: MeshSettings | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 120.0,
) -> subprocess.CompletedProcess[str]:
    """Runs `modmesh *args` to its end: with this process's environment, the mesh's
    settings (its data directory holds the service key the command signs calls with),
    then `env` over both."""
    environment = {**os.environ, **(settings.to_env() if settings else {}), **(env or {})}
    return subprocess.run(  # noqa: S603 - runs our own modmesh CLI
        [*MODMESH, *args], capture_output=True, text=True, env=environment, timeout=timeout
    )


@contextmanager
def modmesh_up(settings: LoopbackSettings, env: Mapping[str, str] | None = None) -> Iterator[str]:
    """`modmesh up` as an operator runs it, until it says it is ready; yields what it said
    by then, and on leaving stops it with Ctrl-C, which must stop it cleanly."""
    up = subprocess.Popen(  # noqa: S603 - runs our own modmesh CLI
        [*MODMESH, "up"],
        env={**os.environ, **settings.to_env(), **(env or {})},
        stderr=subprocess.PIPE,
        text=True,
    )
    assert up.stderr is not None
    said = []
    for line in up.stderr:
        said.append(line)
        if line.startswith("ready"):
            break
    else:
        pytest.fail("modmesh up stopped before it was ready:\n" + "".join(said))
    yield "".join(said)
    up.send_signal(signal.SIGINT)
    rest = up.stderr.read()
    assert up.wait(timeout=90) == 0, rest
    assert "stopped cleanly" in rest


class ServiceProcess:
    """A service running in its own process, as in production."""

    def __init__(self, service: str, settings: MeshSettings, ready_timeout: float = 180.0) -> None:
        self.service = service
        self.settings = settings
        self.address = settings.listen_addr(service)
        self.ready_timeout = ready_timeout
        self.log_path = settings.data_dir / f"{service}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> ServiceProcess:
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, **self.settings.to_env()}
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 - python -m modmesh.<name>
                [sys.executable, "-m", f"modmesh.{self.service}"],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + self.ready_timeout
        while True:
            try:
                wait_until_serving(self.address, timeout=2)
                break
            except TimeoutError as error:
                # A process that stopped (a setting it refuses, say) fails the test now,
                # with its log, instead of when the wait runs out.
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.process.kill()
                    raise TimeoutError(
                        f"{error} (exit status {self.process.poll()})\n"
                        f"--- {self.service} log ---\n{self.log()}"
                    ) from None
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> int:
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=self.settings.drain_seconds + 20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        code = self.stop()
        if exc_type is None:
            assert code == 0, f"{self.service} exited {code} after SIGTERM:\n{self.log()}"


@contextmanager
def live_mesh(settings: LoopbackSettings) -> Iterator[LoopbackSettings]:
    """What a live stream needs: transcription, termmatch and decision processes, with
    the sample term list (sample-scams: "free gift card", "wire the money"...) at v1."""
    with ExitStack() as processes:
        for service in ("transcription", "termmatch", "decision"):
            processes.enter_context(ServiceProcess(service, settings))
        with mesh_channel(settings, settings.termmatch_addr) as opened:
            termmatch_pb2_grpc.TermMatchServiceStub(opened).CreateList(
                json_format.ParseDict(
                    json.loads(TERM_LIST.read_text()), termmatch_pb2.CreateListRequest()
                )
            )
        yield settings


@contextmanager
def postgres_schema(server_url: str = POSTGRES_URL) -> Iterator[str]:
    """A URL for a fresh, empty schema on the test PostgreSQL server, dropped afterwards.

    The schema rides in the URL (as the connection's search_path), so a service started in
    another process with this URL sees the same tables. An unreachable server fails the
    test with a message that says how to start it: nothing is skipped.
    """
    import sqlalchemy as sa

    schema = f"test_{uuid.uuid4().hex[:16]}"
    admin = sa.create_engine(server_url)
    try:
        with admin.begin() as connection:
            connection.execute(sa.text(f"CREATE SCHEMA {schema}"))
    except sa.exc.OperationalError as error:
        admin.dispose()
        pytest.fail(
            f"PostgreSQL is not reachable at {server_url} ({error.orig}). Start it with "
            "`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`, "
            "or point MODMESH_TEST_POSTGRES_URL at a server with trust auth.",
            pytrace=False,
        )
    separator = "&" if "?" in server_url else "?"
    try:
        yield f"{server_url}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()
