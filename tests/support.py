"""Test support: real service processes on loopback ports, the mesh a live stream needs,
and fresh media.

Nothing here is a mock: `ServiceProcess` starts `python -m modmesh.<service>` exactly as
`modmesh up` does, waits for grpc.health.v1 to report SERVING, and on exit sends SIGTERM
and checks the process drained and exited 0.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from pathlib import Path
from types import TracebackType
from typing import Any

import grpc
import pytest
from google.protobuf import json_format

from modmesh.cli.samples import TERM_LIST
from modmesh.contracts.termmatch.v1 import termmatch_pb2, termmatch_pb2_grpc
from modmesh.runtime.clients import wait_until_serving
from modmesh.runtime.settings import Settings

#: The PostgreSQL server the suite runs against (trust auth, database `test`).
POSTGRES_URL = os.environ.get(
    "MODMESH_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def loopback_settings(data_dir: Path, **overrides: Any) -> Settings:
    """Settings whose every address is a free loopback port and whose data stays in data_dir."""

    def loopback() -> str:
        return f"127.0.0.1:{free_port()}"

    settings = Settings(
        data_dir=data_dir,
        decision_addr=loopback(),
        transcription_addr=loopback(),
        termmatch_addr=loopback(),
        similarity_addr=loopback(),
        gateway_addr=loopback(),
    )
    return replace(settings, **overrides)


class ServiceProcess:
    """A service running in its own process, as in production."""

    def __init__(self, service: str, settings: Settings, ready_timeout: float = 180.0) -> None:
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
        try:
            wait_until_serving(self.address, timeout=self.ready_timeout)
        except TimeoutError as error:
            self.process.kill()
            raise TimeoutError(f"{error}\n--- {self.service} log ---\n{self.log()}") from None
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
def live_mesh(settings: Settings) -> Iterator[Settings]:
    """What a live stream needs: transcription, termmatch and decision processes, with
    the sample term list (sample-scams: "free gift card", "wire the money"...) at v1."""
    with ExitStack() as processes:
        for service in ("transcription", "termmatch", "decision"):
            processes.enter_context(ServiceProcess(service, settings))
        with grpc.insecure_channel(settings.termmatch_addr) as channel:
            termmatch_pb2_grpc.TermMatchServiceStub(channel).CreateList(
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
