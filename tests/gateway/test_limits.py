"""Bounded requests against a real gateway process: a body over its route's limit is
refused before it is read, and the gateway does not grow while refusing it."""

from __future__ import annotations

import os
import select
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from modmesh.runtime.settings import MIB
from tests.gateway.test_process import wait_until_live
from tests.support import loopback_settings

API_KEY = "limits-test-operator-key-0123456789abcdef"
JSON_LIMIT = MIB


@dataclass(frozen=True)
class Gateway:
    url: str
    pid: int

    def peak_rss_bytes(self) -> int:
        """The process's high-water mark of resident memory (VmHWM)."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
        raise AssertionError("no VmHWM in /proc status")


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    settings = loopback_settings(
        tmp_path_factory.mktemp("gateway-limits"),
        api_keys=f"ops:policy-admin+moderator:{API_KEY}",
        max_json_body_bytes=JSON_LIMIT,
        max_import_body_bytes=2 * MIB,
    )
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with (settings.data_dir / "gateway.log").open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "modmesh.gateway"],
            env={**os.environ, **settings.to_env()},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        url = f"http://{settings.gateway_addr}"
        wait_until_live(url)
        yield Gateway(url, process.pid)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def post_raw(gateway: Gateway, path: str, body_bytes: int, *, chunked: bool) -> bytes:
    """POSTs `body_bytes` of JSON-looking bytes, stopping as soon as the gateway answers;
    returns the answer's raw bytes."""
    host, port = gateway.url.removeprefix("http://").split(":")
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {body_bytes}"
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nX-API-Key: {API_KEY}\r\n"
        f"Content-Type: application/json\r\n{framing}\r\n\r\n"
    ).encode()
    block = b'{"text": "' + b"a" * (256 * 1024)
    with socket.create_connection((host, int(port)), timeout=30) as conn:
        conn.sendall(head)
        sent = 0
        while sent < body_bytes:
            if select.select([conn], [], [], 0)[0]:
                break  # answered: the rest is never sent
            piece = block[: body_bytes - sent]
            try:
                conn.sendall(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(piece)
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
            if b"\r\n\r\n" in answer and answer.rstrip().endswith(b"}"):
                break
        return answer


@pytest.mark.parametrize("chunked", [False, True], ids=["declared length", "chunked"])
def test_a_200_mb_json_body_is_refused_with_413_naming_the_limit_and_the_gateway_stays_small(
    gateway: Gateway, chunked: bool
) -> None:
    before = gateway.peak_rss_bytes()

    answer = post_raw(gateway, "/v1/match", 200 * MIB, chunked=chunked)

    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b"RESOURCE_EXHAUSTED" in answer
    assert f"over the limit of {JSON_LIMIT} bytes".encode() in answer
    assert b"MODMESH_MAX_JSON_BODY_BYTES" in answer
    assert gateway.peak_rss_bytes() - before < 16 * MIB


def test_a_list_import_over_its_limit_is_refused_naming_its_setting(gateway: Gateway) -> None:
    answer = post_raw(gateway, "/v1/lists/scams/import", 3 * MIB, chunked=False)

    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b"MODMESH_MAX_IMPORT_BODY_BYTES" in answer


def test_ten_million_list_ids_are_refused_before_they_are_read(gateway: Gateway) -> None:
    body = b'{"text": "hi", "list_ids": [' + b",".join([b'"x"'] * 10_000_000) + b"]}"

    response = httpx.post(
        f"{gateway.url}/v1/match", content=body, headers={"X-API-Key": API_KEY}, timeout=30
    )

    assert response.status_code == 413
    assert "MODMESH_MAX_JSON_BODY_BYTES" in response.json()["error"]["message"]


def test_a_body_under_the_limit_reaches_its_route(gateway: Gateway) -> None:
    response = httpx.post(
        f"{gateway.url}/v1/match",
        json={"text": "a" * (JSON_LIMIT // 2)},
        headers={"X-API-Key": API_KEY},
        timeout=30,
    )

    # Past the limit, the route answers: termmatch is not running here.
    assert response.status_code == 503, response.text
