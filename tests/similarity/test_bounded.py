"""Bounded work per item in similarity: an hour of audio (a few megabytes of FLAC) is
fingerprinted block by block with peak memory bounded independently of duration (it
took 17.9 GB before), and media over the duration limit is refused before decoding."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

from modmesh.contracts.common.v1 import evidence_pb2
from modmesh.contracts.similarity.v1 import similarity_pb2, similarity_pb2_grpc
from modmesh.runtime.blobs import BlobStore
from tests.bounded import MIB, long_flac, peak_rss_bytes
from tests.support import ServiceProcess, loopback_settings, mesh_channel

#: Minutes of real media or Whisper processes: `make test-slow`, not `make test`.
pytestmark = pytest.mark.slow

#: What the service may add to its peak memory at start, whatever the duration: one
#: 10 s block of audio and the spectra of 1,024 frames (audio.fingerprint_blocks), plus
#: 13 bytes per frame of the result (3 MB an hour). Measured: about 105 MiB for an hour.
WORK_BOUND_BYTES = 200 * MIB


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceProcess]:
    with ServiceProcess("similarity", loopback_settings(tmp_path_factory.mktemp("sim"))) as p:
        yield p


def search(service: ServiceProcess, path: Path) -> similarity_pb2.SearchResponse:
    settings = service.settings
    blob = BlobStore(settings.data_dir / "blobs", settings.max_media_bytes).put_file(path)
    ref = evidence_pb2.MediaRef(sha256=blob.sha256, uri=blob.uri, size_bytes=blob.size_bytes)
    with mesh_channel(service.settings, service.address) as channel:
        stub = similarity_pb2_grpc.SimilarityServiceStub(channel)
        reply: similarity_pb2.SearchResponse = stub.Search(
            similarity_pb2.SearchRequest(media=ref), timeout=600
        )
        return reply


def test_an_hour_of_silence_is_fingerprinted_with_memory_bounded(
    service: ServiceProcess, media_dir: Path
) -> None:
    assert service.process is not None
    at_start = peak_rss_bytes(service.process.pid)
    reply = search(service, long_flac(media_dir / "hour-of-silence.flac", 3600))
    assert reply.query_hash_count == pytest.approx(3600 * 62.5, rel=0.01)
    grown = peak_rss_bytes(service.process.pid) - at_start
    assert grown < WORK_BOUND_BYTES, f"peak memory grew by {grown / MIB:.0f} MiB"


def test_media_over_the_duration_limit_is_refused_before_decoding(
    service: ServiceProcess, media_dir: Path
) -> None:
    started = time.monotonic()
    with pytest.raises(grpc.RpcError) as refused:
        search(service, long_flac(media_dir / "five-hours-of-silence.flac", 5 * 3600))
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "over the limit of 14400 s (MODMESH_MAX_MEDIA_SECONDS)" in refused.value.details()
    assert time.monotonic() - started < 30
