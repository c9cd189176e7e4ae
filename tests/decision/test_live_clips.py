"""The clip a live stream keeps around each flag, in-process on both databases with
scripted transcription: the audio sent from 10 s before the hit to 5 s after it, as a
WAV file in the blob store, kept as soon as that audio has arrived, or with the audio
there was when the stream ends or the call is cut; never twice for one flag; and a
call's audio ring, whose memory stays bounded however long the stream."""

from __future__ import annotations

import asyncio
import io
import tracemalloc
import wave
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import numpy as np
import pytest

from modmesh.contracts.evidence import TimeRange
from modmesh.decision.compose import SqlStore as CaseStore
from modmesh.decision.domain import LiveClip
from modmesh.decision.intake.engines import EngineError
from modmesh.decision.live.audio import AudioRing, wav
from modmesh.decision.live.clips import ClipKeeper
from modmesh.decision.live.moderation import (
    END,
    Ack,
    End,
    Event,
    StreamModeration,
    TranscriptUpdate,
)
from modmesh.runtime.blobs import BlobStore
from modmesh.runtime.media import AUDIO_SAMPLE_RATE, chunked
from tests.decision.examples import CAPTURED
from tests.decision.test_live import ListMatcher, flags, opened, said, update
from tests.support import AUDIT_KEY

#: One second of PCM16 per chunk, so the scripted transcription's n-th update follows
#: n + 1 seconds of audio.
SECOND = AUDIO_SAMPLE_RATE * 2


@pytest.fixture
def store(database_url: str) -> Iterator[CaseStore]:
    opened = CaseStore(database_url, audit_key=AUDIT_KEY)
    yield opened
    opened.close()


@pytest.fixture
def blobs(tmp_path: Path) -> BlobStore:
    return BlobStore(tmp_path / "blobs", 1 << 26)


@pytest.fixture
def clips(blobs: BlobStore) -> ClipKeeper:
    return ClipKeeper(blobs, before_seconds=10.0, after_seconds=5.0)


def noise(seconds: float, seed: int = 1) -> bytes:
    """Audio no two stretches of which are alike, so a clip shows which audio it holds."""
    samples = round(seconds * AUDIO_SAMPLE_RATE)
    return np.random.default_rng(seed).integers(-8000, 8000, samples, "<i2").tobytes()


def at(pcm: bytes, start: float, end: float) -> bytes:
    return pcm[round(start * AUDIO_SAMPLE_RATE) * 2 : round(end * AUDIO_SAMPLE_RATE) * 2]


def heard(pcm: bytes, hits: dict[int, float], offset: float = 0.0) -> list[TranscriptUpdate]:
    """An update after each second of the audio (which starts at `offset`), settling it;
    the update after second n also commits "free gift card", said from `hits[n]` on."""
    return [
        update(said("free gift card", hits[n]) if n in hits else (), offset + n + 1)
        for n in range(len(pcm) // SECOND)
    ]


async def moderated(
    store: CaseStore,
    clips: ClipKeeper,
    pcm: bytes,
    updates: list[TranscriptUpdate],
    *,
    end: bool = True,
    resume_from: float = 0.0,
    container: bytes | None = None,
) -> list[Event]:
    """The events of a call that sends the audio (as PCM16, or as the bytes of
    `container`) to transcription that answers each chunk with the next update once the
    one before was acknowledged, as a real one, slower than the audio's arrival, would."""
    moderation = await StreamModeration.open(
        store,
        ListMatcher(),
        "stream-1",
        "streamer-1",
        CAPTURED,
        resume_from,
        clips=clips,
        container=container is not None,
    )
    acked: asyncio.Queue[None] = asyncio.Queue()

    async def incoming() -> AsyncIterator[bytes | End]:
        for chunk in chunked(container, 4096) if container else chunked(pcm, SECOND):
            yield chunk
        if end:
            yield END

    async def transcribe(audio: AsyncIterator[bytes]) -> AsyncIterator[TranscriptUpdate]:
        pending = list(updates)
        async for _ in audio:
            if pending:
                yield pending.pop(0)
                await acked.get()
        for rest in pending:
            yield rest

    events = []
    async for event in moderation.run(incoming(), transcribe):
        events.append(event)
        if isinstance(event, Ack):
            acked.put_nowait(None)
    return events


def clip_of(events: list[Event]) -> LiveClip:
    [clip] = [e for e in events if isinstance(e, LiveClip)]
    return clip


def wav_audio(clip: LiveClip, blobs: BlobStore) -> bytes:
    """The clip's samples, once its blob is found in the store and read as a WAV file."""
    with wave.open(io.BytesIO(blobs.resolve(clip.media).read_bytes()), "rb") as file:
        assert (file.getnchannels(), file.getsampwidth(), file.getframerate()) == (1, 2, 16_000)
        return file.readframes(file.getnframes())


async def test_a_flags_clip_is_the_audio_from_10_s_before_its_hit_to_5_s_after_kept_once_there(
    store: CaseStore, clips: ClipKeeper, blobs: BlobStore
) -> None:
    pcm = noise(30.0)
    # "free gift card" is said from 14.0 s to 15.1 s, and committed after 17 s of audio.
    events = await moderated(store, clips, pcm, heard(pcm, {16: 14.0}))

    [flag] = flags(events)
    clip = clip_of(events)
    assert clip.flag_sequence == flag.sequence == 1
    covered = clip.time_range.start_seconds, clip.time_range.end_seconds
    assert covered == pytest.approx((4.0, 20.1))
    assert clip.media.mime_type == "audio/wav"
    assert wav_audio(clip, blobs) == at(pcm, 4.0, 20.1)
    # Kept as soon as the audio up to 20.1 s had arrived: with the update after 21 s.
    assert events.index(Ack(20.0)) < events.index(clip) < events.index(Ack(21.0))
    assert flag.case_id is not None
    assert store.get(flag.case_id).live_clips == (clip,)


async def test_a_flag_near_the_end_gets_its_clip_with_the_audio_there_was_when_the_stream_ends(
    store: CaseStore, clips: ClipKeeper, blobs: BlobStore
) -> None:
    pcm = noise(10.0)
    events = await moderated(store, clips, pcm, heard(pcm, {9: 8.0}))

    clip = clip_of(events)
    # From the stream's start (8 s before the hit) to its end (2 s after the hit).
    assert (clip.time_range.start_seconds, clip.time_range.end_seconds) == (0.0, 10.0)
    assert wav_audio(clip, blobs) == pcm
    # Sent before the last ack, which ends the stream.
    assert events[-2:] == [clip, Ack(10.0)]


async def test_a_call_closed_without_the_end_message_still_sends_its_waiting_clip(
    store: CaseStore, clips: ClipKeeper, blobs: BlobStore
) -> None:
    pcm = noise(10.0)
    events = await moderated(store, clips, pcm, heard(pcm, {9: 8.0}), end=False)

    assert wav_audio(clip_of(events), blobs) == pcm


async def test_a_call_that_fails_keeps_its_waiting_clip_with_the_audio_it_had(
    store: CaseStore, clips: ClipKeeper, blobs: BlobStore
) -> None:
    pcm = noise(12.0)
    updates = heard(pcm, {3: 2.0})[:5]

    async def transcribe_then_fail(audio: AsyncIterator[bytes]) -> AsyncIterator[TranscriptUpdate]:
        async for _ in audio:
            if not updates:
                raise EngineError("termmatch is restarting")
            yield updates.pop(0)

    moderation = await opened(store, clips)

    async def incoming() -> AsyncIterator[bytes | End]:
        for chunk in chunked(pcm, SECOND):
            yield chunk

    events: list[Event] = []

    async def call() -> None:
        async for event in moderation.run(incoming(), transcribe_then_fail):
            events.append(event)

    with pytest.raises(EngineError):
        await call()

    [flag] = flags(events)
    assert not [e for e in events if isinstance(e, LiveClip)]  # nobody to send it to
    assert flag.case_id is not None
    [clip] = store.get(flag.case_id).live_clips
    # The call had taken 6 s of audio (the sixth second's update failed): 0 to 6 s.
    assert clip.time_range == TimeRange(0.0, 6.0)
    assert wav_audio(clip, blobs) == at(pcm, 0.0, 6.0)


async def test_a_resumed_stream_makes_no_second_clip_for_a_flag(
    store: CaseStore, clips: ClipKeeper, blobs: BlobStore
) -> None:
    pcm = noise(30.0)
    # The first call hears the hit at 12 s; its client goes away after 16 s of audio.
    until_gone = at(pcm, 0.0, 16.0)
    first = await moderated(store, clips, until_gone, heard(until_gone, {13: 12.0}), end=False)
    kept = clip_of(first)
    assert kept.time_range == TimeRange(2.0, 16.0)

    # The client resumes from 11 s, before the hit: the resumed call hears it again.
    again = at(pcm, 11.0, 30.0)
    resumed = await moderated(
        store, clips, again, heard(again, {2: 12.0}, offset=11.0), resume_from=11.0
    )

    assert flags(resumed) == []
    assert [e for e in resumed if isinstance(e, LiveClip)] == []
    [flag] = flags(first)
    assert flag.case_id is not None
    assert store.get(flag.case_id).live_clips == (kept,)
    assert [p.name for p in blobs.root.glob("??/*")] == [kept.media.sha256]


async def test_a_container_streams_clip_is_its_audio_as_decoded_at_transcriptions_offsets(
    store: CaseStore, clips: ClipKeeper, blobs: BlobStore
) -> None:
    pcm = noise(20.0)
    # A container ffmpeg decodes losslessly, so the clip can be compared sample for sample.
    container = wav(pcm)
    chunks = -(-len(container) // 4096)
    updates = [update((), 0.0) for _ in range(chunks)]
    updates[40] = update(said("free gift card", 3.0), 4.0)

    events = await moderated(store, clips, pcm, updates, container=container)

    clip = clip_of(events)
    assert clip.time_range == TimeRange(0.0, 9.1)
    assert wav_audio(clip, blobs) == at(pcm, 0.0, 9.1)


def test_a_ring_keeps_its_capacity_of_the_newest_audio_and_no_more_memory_however_long() -> None:
    ring = AudioRing(45.0, start_seconds=0.0)
    minute = noise(60.0)
    tracemalloc.start()
    try:
        for chunk in chunked(minute):
            ring.append(chunk)
        after_one_minute, _ = tracemalloc.get_traced_memory()
        for _ in range(9):
            for chunk in chunked(minute):
                ring.append(chunk)
                assert round(ring.end_seconds - ring.start_seconds, 6) <= 45.0
        after_ten_minutes, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert (ring.start_seconds, ring.end_seconds) == (555.0, 600.0)
    assert after_ten_minutes - after_one_minute < 64 * 1024
    assert ring.between(590.0, 600.0) == (590.0, at(minute, 50.0, 60.0))
    # Asked for audio it no longer holds, or does not hold yet, it gives what it has.
    assert ring.between(550.0, 556.0) == (555.0, at(minute, 15.0, 16.0))
    assert ring.between(0.0, 10.0) == (555.0, b"")
    assert ring.between(599.0, 620.0) == (599.0, at(minute, 59.0, 60.0))


def test_a_resumed_calls_ring_starts_at_its_resume_offset() -> None:
    ring = AudioRing(45.0, start_seconds=12.5)
    ring.append(noise(2.0))

    assert ring.between(2.5, 30.0) == (12.5, noise(2.0))


@pytest.mark.parametrize("seconds", [-1.0, float("nan"), float("inf")])
def test_clip_lengths_that_are_no_lengths_stop_start_up_naming_the_setting(
    blobs: BlobStore, seconds: float
) -> None:
    with pytest.raises(ValueError, match="MODMESH_LIVE_CLIP_AFTER_SECONDS must be a number"):
        ClipKeeper(blobs, before_seconds=10.0, after_seconds=seconds)
