"""`python -m modmesh.gateway` as it runs in production: its logs, traces, shutdown and
WebSockets."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect
from websockets.typing import Subprotocol

from modmesh.runtime.settings import MeshSettings
from tests.support import ServiceProcess, loopback_settings

TRACE_ID = "0af7651916cd43dd8448eb211c80319c"
API_KEY = "process-test-key-0123456789abcdefghij"


def wait_until_live(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.1)


@contextmanager
def gateway_process(settings: MeshSettings) -> Iterator[str]:
    """`python -m modmesh.gateway` serving at the URL it yields; on exit, SIGTERM and an
    exit status of 0. Its log is `gateway.log` in the data directory."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    log_path = settings.data_dir / "gateway.log"
    with log_path.open("wb") as log:
        gateway = subprocess.Popen(
            [sys.executable, "-m", "modmesh.gateway"],
            env={**os.environ, **settings.to_env()},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        url = f"http://{settings.gateway_addr}"
        wait_until_live(url)
        yield url
    finally:
        gateway.send_signal(signal.SIGTERM)
        try:
            code = gateway.wait(timeout=30)
        except subprocess.TimeoutExpired:
            gateway.kill()
            raise
    assert code == 0, log_path.read_text()


def test_the_gateway_process_logs_each_request_carries_its_trace_and_exits_0_on_sigterm(
    tmp_path: Path,
) -> None:
    settings = loopback_settings(tmp_path / "data", api_keys=f"ops:auditor:{API_KEY}")
    with ServiceProcess("termmatch", settings) as termmatch:
        with gateway_process(settings) as url:
            response = httpx.get(
                f"{url}/v1/lists/nope",
                headers={
                    "traceparent": f"00-{TRACE_ID}-b7ad6b7169203331-01",
                    "X-API-Key": API_KEY,
                },
            )
            assert response.status_code == 404
            wrong = httpx.get(f"{url}/v1/lists", headers={"X-API-Key": API_KEY + "-wrong"})
            assert wrong.status_code == 401
            forbidden = httpx.put(f"{url}/v1/rules", headers={"X-API-Key": API_KEY}, json={"x": 1})
            assert forbidden.status_code == 403
        log_text = (settings.data_dir / "gateway.log").read_text()

        events = [json.loads(line) for line in log_text.splitlines() if line.startswith("{")]
        [event] = [e for e in events if e.get("path") == "/v1/lists/nope"]
        assert event["event"] == "request"
        assert (event["service"], event["method"], event["status"]) == ("gateway", "GET", 404)
        assert event["duration_ms"] >= 0
        assert event["trace_id"] == TRACE_ID
        # The service refused the call under the same trace: the interceptors carried it.
        assert TRACE_ID in termmatch.log()
        [refusal] = [e for e in events if e.get("event") == "request forbidden"]
        assert refusal["subject"] == "ops"
        assert refusal["path"] == "/v1/rules"
        assert API_KEY not in log_text  # secrets are never logged, not even wrong ones


def offering(token: str) -> list[Subprotocol]:
    """The subprotocols a browser offers to send its credential."""
    return [Subprotocol("modmesh.v1"), Subprotocol(f"bearer.{token}")]


def test_the_gateway_process_serves_websockets_with_the_token_as_a_subprotocol(
    tmp_path: Path,
) -> None:
    service_key = "platform-key-0123456789abcdefghijklmn"
    auditor_key = "auditor-key-0123456789abcdefghijklmn"
    settings = loopback_settings(
        tmp_path / "data",
        api_keys=f"platform:service:{service_key},ops:auditor:{auditor_key}",
    )
    # No decision runs behind this gateway: a stream is accepted, then refused as UNAVAILABLE.
    with gateway_process(settings) as url:
        live = url.replace("http://", "ws://") + "/v1/streams/show-1/live"
        with connect(live, subprotocols=offering(service_key)) as socket:
            assert socket.subprotocol == "modmesh.v1"
            socket.send(json.dumps({"account_id": "a-1", "format": {"encoding": "pcm_s16le"}}))
            error = json.loads(socket.recv(timeout=30))["error"]
            with pytest.raises(ConnectionClosed) as closed:
                socket.recv(timeout=30)
        with pytest.raises(InvalidStatus) as denied:
            connect(live, subprotocols=offering(auditor_key))

    assert error["code"] == "UNAVAILABLE"
    assert closed.value.rcvd is not None
    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (1013, "UNAVAILABLE")
    assert denied.value.response.status_code == 403
    assert json.loads(denied.value.response.body)["error"]["code"] == "PERMISSION_DENIED"
    log_text = (settings.data_dir / "gateway.log").read_text()
    assert service_key not in log_text
    assert auditor_key not in log_text


@pytest.mark.parametrize(
    ("weak", "setting"),
    [
        ({"api_keys": "ops:auditor:short-key-123"}, "MODMESH_API_KEYS entry 1:"),
        (
            {"api_keys": f"ops:auditor:{API_KEY}", "jwt_secret": "short-key-123"},
            "MODMESH_JWT_SECRET",
        ),
    ],
    ids=["api key", "jwt secret"],
)
def test_a_weak_secret_stops_the_gateway_naming_the_setting_never_the_secret(
    tmp_path: Path, weak: dict[str, str], setting: str
) -> None:
    settings = loopback_settings(tmp_path / "data", **weak)

    started = subprocess.run(
        [sys.executable, "-m", "modmesh.gateway"],
        env={**os.environ, **settings.to_env()},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert started.returncode == 2
    assert setting in started.stderr
    assert "shorter than 32 bytes" in started.stderr
    assert "short-key-123" not in started.stdout + started.stderr
    assert "Traceback" not in started.stdout + started.stderr
