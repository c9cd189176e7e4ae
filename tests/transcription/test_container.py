"""TranscribeStream with AUDIO_ENCODING_CONTAINER over real gRPC: the bytes of media
files ffmpeg made, decoded by the service as they arrive; and bytes it cannot decode."""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

from modmesh.contracts.common.v1 import audio_pb2
from modmesh.contracts.transcription.v1 import transcription_pb2, transcription_pb2_grpc
from modmesh.runtime.media import chunked, require_tool
from tests.transcription.support import assert_still_serving, index_of_phrase, spoken

Stub = transcription_pb2_grpc.TranscriptionServiceStub
Request = transcription_pb2.TranscribeStreamRequest
#: What a browser's MediaRecorder or a broadcaster's muxer sends at a time.
CHUNK_BYTES = 4_096
#: The container and codec of each case, as ffmpeg writes them.
FORMATS = {
    "webm-opus": ("webm", ["-c:a", "libopus"]),
    "ogg-opus": ("ogg", ["-c:a", "libopus"]),
    "mp3": ("mp3", ["-c:a", "libmp3lame"]),
    "mpegts-aac": ("ts", ["-c:a", "aac", "-f", "mpegts"]),
}


def container_opening(stream_id: str) -> Request:
    return Request(
        open=transcription_pb2.StreamOpen(
            stream_id=stream_id,
            format=audio_pb2.AudioFormat(encoding=audio_pb2.AUDIO_ENCODING_CONTAINER),
        )
    )


def container_chunks(data: bytes) -> Iterator[Request]:
    for chunk in chunked(data, CHUNK_BYTES):
        yield Request(audio=chunk)


def encoded(clip: Path, out: Path, codec: list[str]) -> bytes:
    subprocess.run(  # noqa: S603 - ffmpeg with arguments we build
        [
            require_tool("ffmpeg"),
            "-nostdin",
            "-v",
            "error",
            "-y",
            "-i",
            str(clip),
            "-vn",
            *codec,
            str(out),
        ],
        check=True,
    )
    return out.read_bytes()


@pytest.mark.parametrize("name", FORMATS)
def test_container_audio_is_decoded_as_it_arrives(
    stub: Stub, gift_card_clip: Path, tmp_path: Path, name: str
) -> None:
    suffix, codec = FORMATS[name]
    data = encoded(gift_card_clip, tmp_path / f"clip.{suffix}", codec)

    updates = list(
        stub.TranscribeStream(iter([container_opening(name), *container_chunks(data)]), timeout=120)
    )

    words = [w for update in updates for w in update.committed]
    texts = spoken(w.text for w in words)
    free = index_of_phrase(texts, ["free", "gift", "card"])
    # "Hello there. Get your" comes first, after 2 s of silence: offsets count decoded audio.
    assert 3.0 < words[free].start_seconds < 4.5
    assert updates[-1].heard_seconds == pytest.approx(6.5, abs=0.5)


def test_bytes_ffmpeg_cannot_decode_are_refused_and_another_stream_goes_on(
    stub: Stub, channel: grpc.Channel, gift_card_clip: Path, tmp_path: Path
) -> None:
    good = encoded(gift_card_clip, tmp_path / "clip.ogg", FORMATS["ogg-opus"][1])
    other: list[transcription_pb2.TranscribeStreamResponse] = []
    running = threading.Thread(
        target=lambda: other.extend(
            stub.TranscribeStream(
                iter([container_opening("other"), *container_chunks(good)]), timeout=120
            )
        )
    )
    running.start()

    with pytest.raises(grpc.RpcError) as raised:
        list(
            stub.TranscribeStream(
                iter([container_opening("garbled"), *container_chunks(b"not media " * 2_000)]),
                timeout=120,
            )
        )
    running.join()

    error = raised.value
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "stream 'garbled': the audio cannot be decoded" in error.details()
    assert "(ffmpeg: " in error.details()
    assert "free" in spoken(w.text for update in other for w in update.committed)
    assert_still_serving(channel)


def test_a_container_stream_with_a_sample_rate_is_refused(stub: Stub) -> None:
    opening = container_opening("rate")
    opening.open.format.sample_rate_hz = 48_000

    with pytest.raises(grpc.RpcError) as raised:
        list(stub.TranscribeStream(iter([opening]), timeout=30))

    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "the container says them" in raised.value.details()
