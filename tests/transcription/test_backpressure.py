"""Backpressure over real gRPC with the real model: a live stream the service cannot keep
up with is ended with RESOURCE_EXHAUSTED and a retry hint; a client that sends faster
than real time is only held back, and the service goes on serving."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from modmesh.cli.samples import make_clip
from modmesh.contracts.common.v1 import evidence_pb2
from modmesh.contracts.transcription.v1 import transcription_pb2, transcription_pb2_grpc
from modmesh.runtime.blobs import BlobStore
from modmesh.runtime.media import pcm16_seconds
from modmesh.transcription.core import RETRY_AFTER_SECONDS
from tests.support import ServiceProcess, loopback_settings, mesh_channel
from tests.transcription.support import LiveStream, assert_still_serving, make_stream
from tests.transcription.test_stream import SCRIPT, chunks, opening

Stub = transcription_pb2_grpc.TranscriptionServiceStub
Response = transcription_pb2.TranscribeStreamResponse
#: Low, so that a few long transcriptions ahead of a live stream's passes exceed it.
MAX_LAG_SECONDS = 2.0
#: Callers of Transcribe at once: a live stream's pass waits behind all of them.
LOADERS = 2


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceProcess]:
    settings = loopback_settings(
        tmp_path_factory.mktemp("backpressure"), stream_max_lag_seconds=MAX_LAG_SECONDS
    )
    with ServiceProcess("transcription", settings) as process:
        yield process


@pytest.fixture(scope="module")
def live_stream(tmp_path_factory: pytest.TempPathFactory) -> LiveStream:
    return make_stream(tmp_path_factory.mktemp("stream"), SCRIPT)


@pytest.fixture(scope="module")
def long_talk(service: ServiceProcess, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Half a minute of speech: a transcription that holds the model for a while."""
    text = " ".join(["Today we are cooking pasta with tomatoes and fresh basil."] * 8)
    return make_clip(tmp_path_factory.mktemp("talk") / "talk.wav", text, video=None)


def paced(
    requests: Iterator[transcription_pb2.TranscribeStreamRequest],
) -> Iterator[transcription_pb2.TranscribeStreamRequest]:
    """The requests as a live broadcast sends them: each chunk when its audio is live."""
    started = time.monotonic()
    sent = 0.0
    for request in requests:
        time.sleep(max(0.0, started + sent - time.monotonic()))
        yield request
        sent += pcm16_seconds(len(request.audio))


def test_a_live_stream_left_behind_is_refused_with_a_retry_hint_and_a_fast_client_is_not(
    service: ServiceProcess, live_stream: LiveStream, long_talk: Path
) -> None:
    blobs = BlobStore(service.settings.data_dir / "blobs", service.settings.max_media_bytes)
    blob = blobs.put_file(long_talk)
    talk = transcription_pb2.TranscribeRequest(
        media=evidence_pb2.MediaRef(sha256=blob.sha256, uri=blob.uri, size_bytes=blob.size_bytes)
    )
    with mesh_channel(service.settings, service.address) as channel:
        stub = Stub(channel)
        live = stub.TranscribeStream(
            paced(iter([opening("live"), *chunks(live_stream.pcm)])), timeout=300
        )
        # A client replaying a recording, as fast as it is taken.
        fast = stub.TranscribeStream(
            iter([opening("replay"), *chunks(live_stream.pcm)]), timeout=300
        )
        fast_updates: list[Response] = []
        fast_reader = threading.Thread(target=lambda: fast_updates.extend(fast))
        fast_reader.start()
        first = next(live)
        assert first.heard_seconds > 0
        refused = threading.Event()

        def load() -> None:
            # Long transcriptions, one after another, until the live stream is refused.
            while not refused.is_set():
                assert stub.Transcribe(talk, timeout=300).words

        loaders = [threading.Thread(target=load) for _ in range(LOADERS)]
        for loader in loaders:
            loader.start()
        try:
            with pytest.raises(grpc.RpcError) as raised:
                for _ in live:
                    pass
        finally:
            refused.set()
            for loader in loaders:
                loader.join()
        fast_reader.join()

        error = raised.value
        assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert "stream 'live' fell" in error.details()
        assert f"the limit is {MAX_LAG_SECONDS:g} s" in error.details()
        assert f"resume the stream in {RETRY_AFTER_SECONDS:g} s" in error.details()
        status = rpc_status.from_call(error)
        assert status is not None
        (detail,) = status.details
        retry = error_details_pb2.RetryInfo()
        assert detail.Unpack(retry)
        assert retry.retry_delay.ToTimedelta().total_seconds() == RETRY_AFTER_SECONDS
        # The replay was held back, never refused: it was heard to its end.
        assert fast_updates[-1].heard_seconds == pytest.approx(live_stream.seconds, abs=0.01)
        assert_still_serving(channel)
