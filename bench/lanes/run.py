"""Lanes benchmark: a short clip's latency through transcription while an hour-long file
is being transcribed, against its latency on an idle service, in the same run.

    .venv/bin/python bench/lanes/run.py                  # 20 repetitions of each
    .venv/bin/python bench/lanes/run.py --repetitions 5  # a quick look

One transcription process (the bundled tiny.en). The short item is a clip of about 10 s
of espeak-ng speech; the long item is an hour of speech (a phrase looped, FLAC). First
the clip is transcribed `--repetitions` times, one after another, on the idle service;
then the hour-long file is submitted, and once it has held the service for a few
seconds the clip is transcribed the same number of times while the file is in flight
(checked after the last one); then the file's call is cancelled. Latency is from the
call to its reply, at the client. Percentiles are nearest-rank over every repetition.
Target (issue 15): busy p95 within 2x the idle p95. The service's CPU time in each
phase is recorded too: what the busy phase used beyond the idle one is the long file's
progress, which runs only on CPU the clips leave idle. It prints the figures and writes
JSON to bench/results/lanes.json. Timings are noisy on a shared machine: run it when
nothing else is busy.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from socket import socket
from typing import Any

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from modmesh.cli.samples import make_clip
from modmesh.contracts.common.v1 import evidence_pb2
from modmesh.contracts.transcription.v1 import transcription_pb2, transcription_pb2_grpc
from modmesh.runtime.blobs import BlobStore
from modmesh.runtime.clients import blocking_channel
from modmesh.runtime.identity import Identity, ensure_local_keys
from modmesh.runtime.media import require_tool
from modmesh.runtime.settings import MeshSettings

RESULTS = Path(__file__).resolve().parents[1] / "results"
CLIP_TEXT = (
    "Hello, this is a short message. Please send me the gift card codes before the end "
    "of the day, and do not tell anyone about it."
)
LONG_TEXT = "Today we are cooking pasta with tomatoes and fresh basil, and then a salad."
LONG_SECONDS = 3600
#: How long the long file holds the service before the busy repetitions start.
WARM_SECONDS = 5.0
TARGET_RATIO = 2.0


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile: the smallest value with `share` % of them at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share / 100 * len(ordered)) - 1)]


def start_transcription(data: Path) -> tuple[subprocess.Popen[bytes], MeshSettings]:
    with socket() as sock:
        sock.bind(("127.0.0.1", 0))
        address = f"127.0.0.1:{sock.getsockname()[1]}"
    env = {**os.environ, "MODMESH_DATA_DIR": str(data), "MODMESH_TRANSCRIPTION_ADDR": address}
    ensure_local_keys(MeshSettings.from_env(env))  # as `modmesh up` does
    log = (data / "transcription.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "modmesh.transcription"], env=env, stdout=log, stderr=log
    )
    with grpc.insecure_channel(address) as channel:
        health = health_pb2_grpc.HealthStub(channel)
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            try:
                status = health.Check(health_pb2.HealthCheckRequest(), timeout=2).status
                if status == health_pb2.HealthCheckResponse.SERVING:
                    return process, MeshSettings.from_env(env)
            except grpc.RpcError:
                pass
            time.sleep(1)
    process.kill()
    raise TimeoutError(f"transcription did not start; see {data / 'transcription.log'}")


def request_for(blobs: BlobStore, path: Path) -> transcription_pb2.TranscribeRequest:
    blob = blobs.put_file(path)
    return transcription_pb2.TranscribeRequest(
        media=evidence_pb2.MediaRef(sha256=blob.sha256, uri=blob.uri, size_bytes=blob.size_bytes)
    )


def latencies(
    stub: transcription_pb2_grpc.TranscriptionServiceStub,
    request: transcription_pb2.TranscribeRequest,
    repetitions: int,
) -> list[float]:
    taken = []
    for _ in range(repetitions):
        started = time.monotonic()
        stub.Transcribe(request, timeout=300)
        taken.append(time.monotonic() - started)
    return taken


def cpu_seconds(pid: int) -> float:
    """User and system CPU time the process has used (/proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def summary(values: list[float]) -> dict[str, Any]:
    return {
        "samples": len(values),
        "p50_seconds": round(percentile(values, 50), 3),
        "p95_seconds": round(percentile(values, 95), 3),
        "max_seconds": round(max(values), 3),
        "all_seconds": [round(value, 3) for value in values],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repetitions", type=int, default=20)
    parser.add_argument("--output", type=Path, default=RESULTS / "lanes.json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        data = Path(work)
        clip = make_clip(data / "clip.wav", CLIP_TEXT, lead_silence=1.0, video=None)
        talk = make_clip(data / "talk.wav", LONG_TEXT, video=None)
        long_file = data / "hour.flac"
        # fmt: off
        subprocess.run(  # noqa: S603 - ffmpeg with arguments we build
            [
                require_tool("ffmpeg"), "-nostdin", "-v", "error", "-y", "-stream_loop", "-1",
                "-i", str(talk), "-t", str(LONG_SECONDS), "-c:a", "flac", str(long_file),
            ],
            check=True,
        )
        # fmt: on
        process, settings = start_transcription(data)
        try:
            blobs = BlobStore(data / "blobs", settings.max_media_bytes)
            short, long = request_for(blobs, clip), request_for(blobs, long_file)
            cli = Identity.load(settings, "cli")
            with blocking_channel(settings.transcription_addr, cli) as channel:
                stub = transcription_pb2_grpc.TranscriptionServiceStub(channel)
                clip_seconds = stub.Transcribe(short, timeout=300).duration_seconds  # warm-up
                before = cpu_seconds(process.pid)
                idle = latencies(stub, short, args.repetitions)
                idle_cpu = cpu_seconds(process.pid) - before
                long_call = stub.Transcribe.future(long, timeout=LONG_SECONDS)
                time.sleep(WARM_SECONDS)
                before = cpu_seconds(process.pid)
                busy = latencies(stub, short, args.repetitions)
                busy_cpu = cpu_seconds(process.pid) - before
                in_flight = not long_call.done()
                long_call.cancel()
        finally:
            # A segment of the long file in progress finishes first, at the lowest
            # priority (docs/operations.md); the figures do not depend on it.
            process.terminate()
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
    ratio = percentile(busy, 95) / percentile(idle, 95)
    report = {
        "benchmark": "lanes",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs (shared)",
        "model": "bundled tiny.en (int8, CPU)",
        "clip_seconds": round(clip_seconds, 2),
        "long_file_seconds": LONG_SECONDS,
        "long_file_in_flight_throughout": in_flight,
        "idle": summary(idle),
        "with_long_file": summary(busy),
        # The service's CPU time in each phase: what the busy phase used beyond the idle
        # one is the long file's progress (it runs only on CPU the clips leave idle).
        "service_cpu_seconds_idle_phase": round(idle_cpu, 1),
        "service_cpu_seconds_busy_phase": round(busy_cpu, 1),
        "p95_ratio": round(ratio, 2),
        "target_ratio": TARGET_RATIO,
        "target": "met" if ratio <= TARGET_RATIO and in_flight else "not met",
    }
    print(json.dumps(report, indent=2))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
