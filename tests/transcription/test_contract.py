"""TranscriptionService over real gRPC, against the service running in its own process."""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import Future
from pathlib import Path

import grpc
import pytest

from modmesh.cli.samples import make_clip
from modmesh.contracts.common.v1 import evidence_pb2
from modmesh.contracts.transcription.v1 import transcription_pb2, transcription_pb2_grpc
from modmesh.runtime.blobs import Blob, BlobStore
from tests.support import ServiceProcess, loopback_settings, mesh_channel
from tests.transcription.support import (
    assert_still_serving,
    index_of_phrase,
    recorded_prompt,
    spoken,
)


@pytest.fixture(scope="module")
def blobs(service: ServiceProcess) -> BlobStore:
    settings = service.settings
    return BlobStore(settings.data_dir / "blobs", settings.max_media_bytes)


def media_ref(blob: Blob) -> evidence_pb2.MediaRef:
    return evidence_pb2.MediaRef(sha256=blob.sha256, uri=blob.uri, size_bytes=blob.size_bytes)


def request_for(blob: Blob) -> transcription_pb2.TranscribeRequest:
    return transcription_pb2.TranscribeRequest(media=media_ref(blob))


def refusal(
    stub: transcription_pb2_grpc.TranscriptionServiceStub,
    request: transcription_pb2.TranscribeRequest,
) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as raised:
        stub.Transcribe(request, timeout=60)
    return raised.value


def test_transcribes_the_clip_with_word_times_language_and_model(
    stub: transcription_pb2_grpc.TranscriptionServiceStub, blobs: BlobStore, gift_card_clip: Path
) -> None:
    reply = stub.Transcribe(request_for(blobs.put_file(gift_card_clip)), timeout=120)

    words = spoken(w.text for w in reply.words)
    free = index_of_phrase(words, ["free", "gift", "card"])
    # "Hello there. Get your" comes first; espeak takes about 1.7 s to say it.
    assert 3.0 < reply.words[free].start_seconds < 4.5
    assert reply.words[0].start_seconds == pytest.approx(2.0, abs=0.5)
    assert reply.text == " ".join(w.text for w in reply.words)
    assert reply.language == "en"
    assert reply.language_probability > 0.5
    assert reply.duration_seconds == pytest.approx(6.5, abs=0.5)
    assert reply.model.name == "faster-whisper-tiny.en"
    assert "faster-whisper/" in reply.model.version


@pytest.mark.parametrize(("voice", "language"), [("fr_CA_f_June", "fr"), ("es_MX_f_Allison", "es")])
def test_speech_the_recogniser_does_not_transcribe_comes_back_with_its_language_and_no_words(
    stub: transcription_pb2_grpc.TranscriptionServiceStub,
    blobs: BlobStore,
    voice: str,
    language: str,
) -> None:
    prompt = recorded_prompt(voice, "vm-options")  # a person reading voicemail options

    reply = stub.Transcribe(request_for(blobs.put_file(prompt)), timeout=120)

    assert (list(reply.words), reply.text) == ([], "")
    assert reply.language == language
    assert reply.language_probability > 0.8
    [speech] = reply.untranscribed
    assert (speech.language, speech.language_probability) == (language, reply.language_probability)
    assert 0.0 <= speech.time_range.start_seconds < 1.0
    assert reply.duration_seconds - 1.0 < speech.time_range.end_seconds <= reply.duration_seconds


def test_english_is_transcribed_with_the_language_its_identifier_heard(
    stub: transcription_pb2_grpc.TranscriptionServiceStub, blobs: BlobStore, gift_card_clip: Path
) -> None:
    reply = stub.Transcribe(request_for(blobs.put_file(gift_card_clip)), timeout=120)

    assert reply.words
    assert reply.language == "en"
    assert 0.5 < reply.language_probability < 1.0  # named by a model, not assumed
    assert list(reply.untranscribed) == []


def test_a_video_without_audio_gives_an_empty_transcript(
    stub: transcription_pb2_grpc.TranscriptionServiceStub,
    blobs: BlobStore,
    video_without_audio: Path,
) -> None:
    reply = stub.Transcribe(request_for(blobs.put_file(video_without_audio)), timeout=60)

    assert list(reply.words) == []
    assert reply.text == ""
    assert reply.duration_seconds == 0.0
    assert reply.model.name == "faster-whisper-tiny.en"


#: A talk of about 61 s in sentences that do not repeat (looped speech makes Whisper
#: fall back to sampling, and two hearings of it disagree).
TALK = (
    "Good morning and welcome to the cooking hour. Today we make a tomato soup with "
    "fresh basil. First wash four ripe tomatoes and cut them into quarters. Peel two "
    "cloves of garlic and slice one onion thinly. Warm a spoon of olive oil in a deep "
    "pan over a gentle heat. Add the onion and stir it for five minutes until it turns "
    "soft. Then add the garlic and wait one more minute. Put the tomatoes in the pan "
    "with a cup of water and a pinch of salt. Let everything simmer for twenty minutes "
    "with the lid on. Meanwhile toast some bread and grate a little cheese. When the "
    "tomatoes are soft, blend the soup until it is smooth. Taste it and add pepper if "
    "you like. Serve it hot with the basil leaves on top and the bread on the side. "
    "Next week we bake a lemon cake, so buy some lemons, flour, butter and eggs. "
    "Thank you for cooking with us, and see you next time."
)


@pytest.fixture(scope="module")
def long_talk(blobs: BlobStore, media_dir: Path) -> Blob:
    """Speech past SHORT_SECONDS: a long file, heard segment by segment."""
    return blobs.put_file(make_clip(media_dir / "long-talk.wav", TALK, video=None))


def test_a_long_file_window_by_window_hears_what_the_whole_hears_at_the_same_times(
    stub: transcription_pb2_grpc.TranscriptionServiceStub, long_talk: Blob
) -> None:
    whole = stub.Transcribe(request_for(long_talk), timeout=300)
    windows: list[transcription_pb2.TranscribeResponse] = []
    start = 0.0
    while not windows or not windows[-1].complete:
        window = transcription_pb2.TranscribeRequest(
            media=media_ref(long_talk), start_seconds=start, window_seconds=30
        )
        windows.append(stub.Transcribe(window, timeout=300))
        start = windows[-1].end_seconds

    assert whole.complete
    assert whole.end_seconds > 60
    assert [w.end_seconds for w in windows] == [30, 60, pytest.approx(whole.end_seconds)]
    assert [w.complete for w in windows] == [False, False, True]
    assert [w.duration_seconds for w in windows] == [30, 30, pytest.approx(whole.end_seconds - 60)]
    assert windows[1].words[0].start_seconds >= 30, "times count from the media's start"
    heard = [(spoken([w.text])[0], w.start_seconds) for part in windows for w in part.words]
    in_whole = [(spoken([w.text])[0], w.start_seconds) for w in whole.words]
    # Whisper may still hear a word differently on another hearing: nearly all agree.
    agreeing = [
        (text, time)
        for text, time in heard
        if any(text == other and abs(time - at) < 0.5 for other, at in in_whole)
    ]
    assert len(agreeing) >= 0.9 * len(in_whole), f"{heard} against {in_whole}"


def test_a_window_past_the_end_is_complete_and_empty(
    stub: transcription_pb2_grpc.TranscriptionServiceStub, long_talk: Blob
) -> None:
    past = transcription_pb2.TranscribeRequest(
        media=media_ref(long_talk), start_seconds=120, window_seconds=30
    )
    reply = stub.Transcribe(past, timeout=60)
    assert reply.complete
    assert list(reply.words) == []
    assert reply.end_seconds == 120


@pytest.mark.parametrize("field", ["start_seconds", "window_seconds"])
def test_a_negative_window_is_invalid_naming_the_field(
    stub: transcription_pb2_grpc.TranscriptionServiceStub,
    blobs: BlobStore,
    gift_card_clip: Path,
    field: str,
) -> None:
    request = request_for(blobs.put_file(gift_card_clip))
    setattr(request, field, -1)
    error = refusal(stub, request)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field in error.details()


def test_concurrent_requests_all_get_their_transcript(
    stub: transcription_pb2_grpc.TranscriptionServiceStub, blobs: BlobStore, gift_card_clip: Path
) -> None:
    request = request_for(blobs.put_file(gift_card_clip))

    calls: list[Future[transcription_pb2.TranscribeResponse]] = [
        stub.Transcribe.future(request, timeout=120) for _ in range(3)
    ]

    texts = {call.result().text for call in calls}
    assert len(texts) == 1
    index_of_phrase(spoken(texts.pop().split()), ["free", "gift", "card"])


def test_a_request_without_media_is_invalid(
    stub: transcription_pb2_grpc.TranscriptionServiceStub, channel: grpc.Channel
) -> None:
    error = refusal(stub, transcription_pb2.TranscribeRequest())

    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "media is required" in error.details()
    assert_still_serving(channel)


def test_media_without_a_sha256_is_invalid(
    stub: transcription_pb2_grpc.TranscriptionServiceStub,
    channel: grpc.Channel,
    blobs: BlobStore,
    gift_card_clip: Path,
) -> None:
    ref = media_ref(blobs.put_file(gift_card_clip))
    ref.sha256 = ""

    error = refusal(stub, transcription_pb2.TranscribeRequest(media=ref))

    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "media.sha256" in error.details()
    assert_still_serving(channel)


def test_a_text_file_is_not_media(
    stub: transcription_pb2_grpc.TranscriptionServiceStub,
    channel: grpc.Channel,
    blobs: BlobStore,
) -> None:
    text = b"free gift card\n" * 50

    error = refusal(stub, request_for(blobs.put([text], "text/plain")))

    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "not a media file" in error.details()
    assert_still_serving(channel)


def test_an_unknown_blob_and_a_file_outside_the_store_get_the_same_refusal(
    stub: transcription_pb2_grpc.TranscriptionServiceStub,
    channel: grpc.Channel,
    blobs: BlobStore,
) -> None:
    sha256 = "0" * 64
    missing = Blob(sha256, (blobs.root / sha256[:2] / sha256).as_uri(), 1234)
    outside = Blob(sha256, "file:///etc/passwd", 1234)

    refusals = [refusal(stub, request_for(blob)) for blob in (missing, outside)]

    assert {error.code() for error in refusals} == {grpc.StatusCode.INVALID_ARGUMENT}
    assert {error.details() for error in refusals} == {
        f"media is not a blob of the mesh's blob store whose bytes match media.sha256 "
        f"{sha256} and media.size_bytes"
    }
    assert_still_serving(channel)


def test_media_over_the_size_limit_is_refused(
    service: ServiceProcess, blobs: BlobStore, gift_card_clip: Path
) -> None:
    blob = blobs.put_file(gift_card_clip)
    limit = blob.size_bytes - 1
    # The same data directory: a reference resolves only inside the process's blob store.
    small = loopback_settings(service.settings.data_dir, max_media_bytes=limit)

    with (
        ServiceProcess("transcription", small) as strict,
        mesh_channel(strict.settings, strict.address) as channel,
    ):
        stub = transcription_pb2_grpc.TranscriptionServiceStub(channel)
        error = refusal(stub, request_for(blob))

        assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert f"over the limit of {limit} bytes" in error.details()
        assert_still_serving(channel)


def test_the_service_does_not_start_without_its_model(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-model"
    settings = loopback_settings(tmp_path / "data", whisper_model=str(missing))

    started = subprocess.run(
        [sys.executable, "-m", "modmesh.transcription"],
        env={**os.environ, **settings.to_env()},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert started.returncode == 1
    assert str(missing) in started.stderr
    assert "MODMESH_WHISPER_MODEL" in started.stderr
