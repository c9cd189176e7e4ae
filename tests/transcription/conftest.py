from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

from modmesh.cli.samples import VIDEO_SOURCES
from modmesh.contracts.transcription.v1 import transcription_pb2_grpc
from modmesh.runtime.media import require_tool
from modmesh.transcription.settings import TranscriptionSettings
from modmesh.transcription.whisper import Whisper
from tests.support import ServiceProcess, loopback_settings, mesh_channel


@pytest.fixture(scope="session")
def whisper() -> Whisper:
    """The bundled model, loaded once for the tests that use it in this process."""
    return Whisper.load(TranscriptionSettings())


@pytest.fixture(scope="session")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceProcess]:
    """The transcription service in its own process, shared by the contract tests: it
    loads the model once."""
    settings = loopback_settings(tmp_path_factory.mktemp("transcription"))
    with ServiceProcess("transcription", settings) as process:
        yield process


@pytest.fixture(scope="session")
def channel(service: ServiceProcess) -> Iterator[grpc.Channel]:
    with mesh_channel(service.settings, service.address) as opened:
        yield opened


@pytest.fixture(scope="session")
def stub(channel: grpc.Channel) -> transcription_pb2_grpc.TranscriptionServiceStub:
    return transcription_pb2_grpc.TranscriptionServiceStub(channel)


@pytest.fixture(scope="session")
def video_without_audio(media_dir: Path) -> Path:
    """Two seconds of moving picture and no audio track at all."""
    out = media_dir / "no-audio.mp4"
    subprocess.run(  # noqa: S603 - ffmpeg with arguments we build
        [
            require_tool("ffmpeg"), "-nostdin", "-v", "error", "-y", "-f", "lavfi",
            "-i", VIDEO_SOURCES["testsrc2"], "-t", "2", "-c:v", "libx264",
            "-preset", "veryfast", "-pix_fmt", "yuv420p", str(out),
        ],
        check=True,
    )  # fmt: skip
    return out
