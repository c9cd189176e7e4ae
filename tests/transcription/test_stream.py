"""TranscriptionService.TranscribeStream over real gRPC with real speech: a live stream
sent as fast as the service takes it."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import pairwise
from pathlib import Path

import grpc
import numpy as np
import pytest

from modmesh.contracts.common.v1 import audio_pb2, evidence_pb2
from modmesh.contracts.transcription.v1 import transcription_pb2, transcription_pb2_grpc
from modmesh.runtime.media import AUDIO_SAMPLE_RATE, PCM16, chunked, decode_audio
from modmesh.transcription.core import CATCH_UP_SECONDS
from modmesh.transcription.streaming import MAX_CHUNK_BYTES
from tests.transcription.support import (
    LiveStream,
    assert_still_serving,
    make_stream,
    recorded_prompt,
    spoken,
)

Stub = transcription_pb2_grpc.TranscriptionServiceStub
Request = transcription_pb2.TranscribeStreamRequest
Response = transcription_pb2.TranscribeStreamResponse

#: How far a committed word's stream offset may stray from where the speech is.
TOLERANCE_SECONDS = 0.5

#: The planted phrases hold terms of the sample list; the rest is speech around them.
SCRIPT = (
    (1.5, "Hello everyone, and welcome back to the stream.", False),
    (1.0, "Claim your free gift card today.", True),
    (3.0, "The weather today is sunny and warm.", False),
    (0.5, "Today we are cooking pasta with tomatoes and fresh basil.", False),
    (2.5, "First, bring a large pot of water to the boil.", False),
    (4.0, "Please wire the money to my account.", True),
    (1.5, "Thanks for watching, see you tomorrow.", False),
    (2.0, "Do not forget to subscribe to the channel.", False),
    (4.0, "", False),
)


@pytest.fixture(scope="module")
def live_stream(tmp_path_factory: pytest.TempPathFactory) -> LiveStream:
    """About 45 s of espeak-ng speech and silence, with two phrases at known offsets."""
    return make_stream(tmp_path_factory.mktemp("stream"), SCRIPT)


def opening(stream_id: str = "test-stream", **format_fields: int) -> Request:
    audio = audio_pb2.AudioFormat()
    audio.CopyFrom(PCM16)
    for name, value in format_fields.items():
        setattr(audio, name, value)
    return Request(open=transcription_pb2.StreamOpen(stream_id=stream_id, format=audio))


def chunks(pcm: bytes) -> Iterator[Request]:
    for chunk in chunked(pcm):
        yield Request(audio=chunk)


def transcribe_stream(stub: Stub, requests: Iterable[Request]) -> list[Response]:
    return list(stub.TranscribeStream(iter(requests), timeout=300))


def refusal(stub: Stub, requests: Iterable[Request]) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as raised:
        transcribe_stream(stub, requests)
    return raised.value


@pytest.fixture(scope="module")
def updates(stub: Stub, live_stream: LiveStream) -> list[Response]:
    return transcribe_stream(stub, [opening(), *chunks(live_stream.pcm)])


def committed(updates: list[Response]) -> list[evidence_pb2.Word]:
    return [word for update in updates for word in update.committed]


def occurrences(words: list[str], phrase: list[str]) -> list[int]:
    return [
        start
        for start in range(len(words) - len(phrase) + 1)
        if words[start : start + len(phrase)] == phrase
    ]


def test_each_planted_phrase_is_committed_once_at_its_stream_offset(
    updates: list[Response], live_stream: LiveStream
) -> None:
    words = committed(updates)
    texts = spoken(w.text for w in words)

    for phrase in live_stream.planted:
        found = occurrences(texts, phrase.words)
        assert len(found) == 1, f"{' '.join(phrase.words)!r} in {' '.join(texts)!r}"
        heard = words[found[0] : found[0] + len(phrase.words)]
        assert heard[0].start_seconds == pytest.approx(phrase.start_seconds, abs=TOLERANCE_SECONDS)
        for word in heard:
            assert (
                phrase.start_seconds - TOLERANCE_SECONDS
                <= word.start_seconds
                <= phrase.end_seconds + TOLERANCE_SECONDS
            )
        # Whisper stretches the last word before a pause into the pause, so its end is
        # only known to be no earlier than the speech's.
        assert heard[-1].end_seconds >= phrase.end_seconds - TOLERANCE_SECONDS


def test_no_word_is_committed_twice(updates: list[Response]) -> None:
    words = committed(updates)

    starts = [w.start_seconds for w in words]
    assert starts == sorted(starts)
    # A word committed again would overlap its first commitment in time.
    for before, after in pairwise(words):
        assert after.start_seconds >= before.end_seconds - 0.1, (before, after)


def test_words_arrive_while_the_stream_goes_on_and_partial_words_are_marked(
    updates: list[Response], live_stream: LiveStream
) -> None:
    heard = [update.heard_seconds for update in updates]
    assert heard == sorted(heard)
    assert heard[-1] == pytest.approx(live_stream.seconds, abs=0.01)
    # A word is committed once two passes have heard it whole; a stream sent faster
    # than real time is heard in passes of up to CATCH_UP_SECONDS of new audio.
    first_phrase = live_stream.planted[0]
    committed_by = next(
        update.heard_seconds
        for update in updates
        if first_phrase.words[-1] in spoken(w.text for w in update.committed)
    )
    assert committed_by <= first_phrase.end_seconds + 2 * CATCH_UP_SECONDS + 1.0
    assert any(update.partial for update in updates)
    assert list(updates[-1].partial) == []
    assert {update.model.name for update in updates} == {"faster-whisper-tiny.en"}


def test_a_stream_that_ends_at_once_gets_one_empty_update(stub: Stub) -> None:
    (update,) = transcribe_stream(stub, [opening()])

    assert list(update.committed) == []
    assert list(update.partial) == []
    assert update.heard_seconds == 0.0


def test_audio_before_the_stream_is_opened_is_refused(stub: Stub, channel: grpc.Channel) -> None:
    error = refusal(stub, [Request(audio=b"\0\0" * 100)])

    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "the first message must open the stream" in error.details()
    assert_still_serving(channel)


def test_a_stream_without_an_id_is_refused(stub: Stub) -> None:
    error = refusal(stub, [opening(stream_id="")])

    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "open.stream_id is required" in error.details()


def test_another_sample_rate_is_refused(stub: Stub, channel: grpc.Channel) -> None:
    error = refusal(stub, [opening(sample_rate_hz=44_100), Request(audio=b"\0\0" * 100)])

    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "sample_rate_hz 44100 is not supported; send 16000 Hz" in error.details()
    assert_still_serving(channel)


def test_stereo_and_unknown_encodings_are_refused(stub: Stub) -> None:
    stereo = refusal(stub, [opening(channels=2)])
    unknown = refusal(stub, [opening(encoding=audio_pb2.AUDIO_ENCODING_UNSPECIFIED)])

    assert stereo.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "send mono audio" in stereo.details()
    assert unknown.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "AUDIO_ENCODING_PCM_S16LE" in unknown.details()


def test_an_oversized_chunk_is_refused_and_other_streams_go_on(
    stub: Stub, channel: grpc.Channel, live_stream: LiveStream
) -> None:
    other = stub.TranscribeStream(
        iter([opening("other"), *chunks(live_stream.pcm[: 5 * 2 * AUDIO_SAMPLE_RATE])]),
        timeout=300,
    )

    error = refusal(stub, [opening(), Request(audio=b"\0" * (MAX_CHUNK_BYTES + 2))])

    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert f"over the limit of {MAX_CHUNK_BYTES} bytes" in error.details()
    assert list(other)[-1].heard_seconds == pytest.approx(5.0)
    assert_still_serving(channel)


def test_a_chunk_with_half_a_sample_is_refused(stub: Stub) -> None:
    error = refusal(stub, [opening(), Request(audio=b"\0\0\0")])

    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "splits a 16-bit sample" in error.details()


def test_opening_an_open_stream_again_is_refused(stub: Stub) -> None:
    error = refusal(stub, [opening(), Request(audio=b"\0\0" * 100), opening()])

    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "already open" in error.details()


def test_a_resumed_stream_counts_from_its_start_offset_and_settles_all_it_heard(
    stub: Stub, live_stream: LiveStream
) -> None:
    opened = opening()
    opened.open.start_offset_seconds = 100.0

    updates = transcribe_stream(
        stub, [opened, *chunks(live_stream.pcm[: 8 * 2 * AUDIO_SAMPLE_RATE])]
    )

    words = committed(updates)
    assert words
    assert all(word.start_seconds >= 100.0 for word in words)
    settled = [update.settled_seconds for update in updates]
    assert settled == sorted(settled)
    assert settled[0] >= 100.0
    assert updates[-1].heard_seconds == pytest.approx(108.0)
    assert updates[-1].settled_seconds == pytest.approx(108.0)


def test_a_negative_start_offset_is_refused(stub: Stub) -> None:
    opened = opening()
    opened.open.start_offset_seconds = -1.0

    error = refusal(stub, [opened])

    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "open.start_offset_seconds" in error.details()


def test_a_stream_that_switches_from_french_to_english_reports_the_french_and_hears_the_english(
    stub: Stub, tmp_path: Path
) -> None:
    french = decode_audio(recorded_prompt("fr_CA_f_June", "vm-options"))  # 16 s, a person
    # The phrase comes 9 s into the English: a naming still surely French may drop the
    # first seconds after a switch (the README says so); these seconds are the lead-in.
    english = make_stream(
        tmp_path,
        (
            (1.5, "Hello everyone, and welcome back to the stream.", False),
            (1.0, "Today we are cooking pasta with tomatoes and fresh basil.", False),
            (1.0, "Claim your free gift card today.", True),
            (3.0, "", False),
        ),
    )
    samples = np.concatenate((french, english.samples))
    pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2").tobytes()

    updates = transcribe_stream(stub, [opening("switching"), *chunks(pcm)])

    speech = [s for update in updates for s in update.untranscribed]
    assert {s.language for s in speech} == {"fr"}
    assert speech[0].time_range.start_seconds < 3.0
    assert max(s.time_range.end_seconds for s in speech) > len(french) / AUDIO_SAMPLE_RATE - 5.0
    texts = spoken(w.text for w in committed(updates))
    # Nothing of the French is written as English words; the English phrase is heard.
    words_in_french = [
        w for w in committed(updates) if w.end_seconds < len(french) / AUDIO_SAMPLE_RATE - 3.0
    ]
    assert words_in_french == []
    (phrase,) = english.planted
    assert occurrences(texts, phrase.words)
