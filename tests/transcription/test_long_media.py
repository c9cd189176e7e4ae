"""Bounded work per item, over real gRPC with the real model: media over the duration
limit is refused before decoding; an hour of audio is transcribed in segments with peak
memory bounded; a short clip keeps its latency while an hour-long file is in flight; and
a long transcription whose caller gives up frees the worker and kills its decoder."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

from modmesh.cli.samples import make_clip
from modmesh.contracts.common.v1 import evidence_pb2
from modmesh.contracts.transcription.v1 import transcription_pb2, transcription_pb2_grpc
from modmesh.runtime.blobs import BlobStore
from tests.bounded import MIB, child_pids, long_flac, looped_flac, peak_rss_bytes
from tests.support import ServiceProcess, loopback_settings, mesh_channel

#: Minutes of real media or Whisper processes: `make test-slow`, not `make test`.
pytestmark = pytest.mark.slow

Stub = transcription_pb2_grpc.TranscriptionServiceStub
#: Peak memory the service may add to what it holds once the model is loaded, whatever
#: the duration: one 30 s segment of PCM, Whisper's features of one window, ffmpeg's pipe.
#: Holding an hour of PCM as before would add 345 MB (bytes, then float32).
WORK_BOUND_BYTES = 250 * MIB
#: A clip's latency with a long file in flight, over its idle latency: the clip waits
#: for at most the segment being transcribed (issue 15 asks for 2x at the p95; bench/lanes
#: measures that; a single sample is allowed some slack on a shared machine).
SLOWDOWN = 3.0


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceProcess]:
    # A segment of a long file in progress at shutdown finishes first, at the lowest CPU
    # priority: on a busy shared machine that can take a while.
    settings = loopback_settings(tmp_path_factory.mktemp("long"), drain_seconds=60.0)
    with ServiceProcess("transcription", settings) as p:
        yield p


@pytest.fixture(scope="module")
def loaded_rss(service: ServiceProcess) -> int:
    """Peak memory with the model loaded and no work done yet."""
    assert service.process is not None
    return peak_rss_bytes(service.process.pid)


@pytest.fixture(scope="module")
def stub(service: ServiceProcess, loaded_rss: int) -> Iterator[Stub]:
    """A client of the service, once its memory before any work has been read."""
    with mesh_channel(service.settings, service.address) as channel:
        yield Stub(channel)


def request_for(service: ServiceProcess, path: Path) -> transcription_pb2.TranscribeRequest:
    settings = service.settings
    blob = BlobStore(settings.data_dir / "blobs", settings.max_media_bytes).put_file(path)
    return transcription_pb2.TranscribeRequest(
        media=evidence_pb2.MediaRef(sha256=blob.sha256, uri=blob.uri, size_bytes=blob.size_bytes)
    )


@pytest.fixture(scope="module")
def clip(service: ServiceProcess, media_dir: Path) -> transcription_pb2.TranscribeRequest:
    """Ten seconds or so of speech: a short item."""
    path = make_clip(
        media_dir / "short-talk.wav",
        "Please send me the gift card codes before the end of the day.",
        video=None,
    )
    return request_for(service, path)


@pytest.fixture(scope="module")
def hour_of_speech(service: ServiceProcess, media_dir: Path) -> transcription_pb2.TranscribeRequest:
    talk = make_clip(
        media_dir / "talk-to-loop.wav",
        "Today we are cooking pasta with tomatoes and fresh basil, and then a salad.",
        video=None,
    )
    return request_for(service, looped_flac(media_dir / "hour-of-speech.flac", talk, 3600))


def latency(stub: Stub, request: transcription_pb2.TranscribeRequest) -> float:
    started = time.monotonic()
    reply = stub.Transcribe(request, timeout=120)
    assert "gift card" in reply.text.lower()
    return time.monotonic() - started


def test_media_over_the_duration_limit_is_refused_naming_the_limit(
    service: ServiceProcess, stub: Stub, media_dir: Path
) -> None:
    five_hours = long_flac(media_dir / "five-hours-of-silence.flac", 5 * 3600)
    started = time.monotonic()
    with pytest.raises(grpc.RpcError) as refused:
        stub.Transcribe(request_for(service, five_hours), timeout=60)
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "over the limit of 14400 s (MODMESH_MAX_MEDIA_SECONDS)" in refused.value.details()
    assert time.monotonic() - started < 10, "refused at probe time, before any decoding"


def test_an_hour_of_audio_is_transcribed_with_memory_bounded_independently_of_duration(
    service: ServiceProcess, stub: Stub, media_dir: Path, loaded_rss: int
) -> None:
    hour = request_for(service, long_flac(media_dir / "hour-of-silence.flac", 3600))
    reply = stub.Transcribe(hour, timeout=600)
    assert reply.duration_seconds == pytest.approx(3600, abs=1)
    assert service.process is not None
    grown = peak_rss_bytes(service.process.pid) - loaded_rss
    assert grown < WORK_BOUND_BYTES, f"peak memory grew by {grown / MIB:.0f} MiB"


def test_a_short_clip_keeps_its_latency_while_an_hour_long_file_is_in_flight(
    stub: Stub,
    clip: transcription_pb2.TranscribeRequest,
    hour_of_speech: transcription_pb2.TranscribeRequest,
) -> None:
    idle = latency(stub, clip)
    long_call = stub.Transcribe.future(hour_of_speech, timeout=600)
    try:
        time.sleep(3)  # the long file holds the worker, segment after segment
        busy = latency(stub, clip)
        assert not long_call.done(), "the long file was still in flight"
    finally:
        long_call.cancel()
    assert busy < SLOWDOWN * idle + 1.0, f"idle {idle:.2f} s, with a long file {busy:.2f} s"


def test_a_long_transcription_whose_caller_gives_up_frees_the_worker_and_its_decoder(
    service: ServiceProcess,
    stub: Stub,
    clip: transcription_pb2.TranscribeRequest,
    hour_of_speech: transcription_pb2.TranscribeRequest,
) -> None:
    idle = latency(stub, clip)
    with pytest.raises(grpc.RpcError) as gave_up:
        stub.Transcribe(hour_of_speech, timeout=5)
    assert gave_up.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    after = latency(stub, clip)
    assert after < SLOWDOWN * idle + 1.0, f"idle {idle:.2f} s, after giving up {after:.2f} s"
    assert service.process is not None
    assert child_pids(service.process.pid) == [], "the long file's decoder was killed"
