"""A real mesh for contract fuzzing: termmatch, similarity and decision processes behind a
gateway process, with one API key per role."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx

from modmesh.runtime.roles import Role
from tests.support import LoopbackSettings, ServiceProcess, loopback_settings


def key_of(role: Role) -> str:
    return f"fuzz-key-of-{role.value}-0123456789abcdef"


@contextmanager
def gateway(settings: LoopbackSettings, timeout: float = 180.0) -> Iterator[str]:
    """`python -m modmesh.gateway` serving at the URL it yields (its log: gateway.log)."""
    url = f"http://{settings.gateway_addr}"
    with (settings.data_dir / "gateway.log").open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "modmesh.gateway"],
            env={**os.environ, **settings.to_env()},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=60)


@contextmanager
def mesh(data_dir: Path) -> Iterator[str]:
    """The gateway's URL, with termmatch, similarity and decision behind it."""
    settings = loopback_settings(
        data_dir,
        api_keys=",".join(f"fuzz-{role.value}:{role.value}:{key_of(role)}" for role in Role),
    )
    with ExitStack() as stack:
        for service in ("termmatch", "similarity", "decision"):
            stack.enter_context(ServiceProcess(service, settings))
        yield stack.enter_context(gateway(settings))
