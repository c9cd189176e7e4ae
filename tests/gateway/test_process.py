"""`python -m modmesh.gateway` as it runs in production: its logs, traces and shutdown."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import httpx

from tests.support import ServiceProcess, loopback_settings

TRACE_ID = "0af7651916cd43dd8448eb211c80319c"
API_KEY = "process-test-key-0123456789"


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


def test_the_gateway_process_logs_each_request_carries_its_trace_and_exits_0_on_sigterm(
    tmp_path: Path,
) -> None:
    settings = replace(loopback_settings(tmp_path / "data"), api_keys=f"ops:auditor:{API_KEY}")
    with ServiceProcess("termmatch", settings) as termmatch:
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
        finally:
            gateway.send_signal(signal.SIGTERM)
            try:
                code = gateway.wait(timeout=30)
            except subprocess.TimeoutExpired:
                gateway.kill()
                raise
        log_text = log_path.read_text()
        assert code == 0, log_text

        events = [json.loads(line) for line in log_text.splitlines() if line.startswith("{")]
        [event] = [e for e in events if e.get("path") == "/v1/lists/nope"]
        assert event["event"] == "request"
        assert (event["service"], event["method"], event["status"]) == ("gateway", "GET", 404)
        assert event["duration_ms"] >= 0
        assert event["trace_id"] == TRACE_ID
        # The service refused the call under the same trace: the interceptors carried it.
        assert TRACE_ID in termmatch.log()
        [refusal] = [e for e in events if e.get("event") == "request forbidden"]
        assert refusal["subject"] == "ops" and refusal["path"] == "/v1/rules"
        assert API_KEY not in log_text  # secrets are never logged, not even wrong ones
