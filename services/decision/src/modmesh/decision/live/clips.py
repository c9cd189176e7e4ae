"""The clip kept around each flag of a live stream: its audio from `before_seconds`
before the hit's start to `after_seconds` after its end, as a WAV file in the mesh's
blob store, linked to the flag.

A flag is sent as soon as it is stored; its clip waits for the audio after the hit
(which a real-time stream has mostly not sent yet when the hit's words are committed),
then is cut from the call's ring and kept. When the call's audio ends (the
end message, the client closing its side) every clip still waiting is kept with the
audio there was; so is it when the call is cut, taken over by a resume or fails. Only
the call that raised a flag makes its clip: a resumed call hears the hit again but
raises no flag for it, and a flag keeps its first clip (SqlClipLinks).
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Sequence
from dataclasses import dataclass

import structlog

from modmesh.contracts.evidence import TimeRange
from modmesh.decision.domain import LiveClip, LiveFlag
from modmesh.decision.live.audio import AudioRing, wav
from modmesh.decision.live.store import LiveStore
from modmesh.decision.settings import DecisionSettings
from modmesh.runtime.blobs import BlobStore
from modmesh.runtime.media import pcm16_seconds

log = structlog.get_logger()

WAV_MIME = "audio/wav"
#: How long after a call gave transcription a hit's audio the hit's flag may still come:
#: transcription commits a word at most its 20 s buffer plus 3 s of catch-up after it
#: takes the audio, and a pass takes a moment. A call's ring holds the clip's seconds
#: plus this (45 s, 1.4 MB, by default), however long the stream.
HEARING_MARGIN_SECONDS = 30.0


@dataclass(frozen=True)
class ClipKeeper:
    """Which audio a flag's clip holds, and the blob store it is kept in."""

    blobs: BlobStore
    before_seconds: float
    after_seconds: float

    def __post_init__(self) -> None:
        for name, value in (
            ("MODMESH_LIVE_CLIP_BEFORE_SECONDS", self.before_seconds),
            ("MODMESH_LIVE_CLIP_AFTER_SECONDS", self.after_seconds),
        ):
            if not 0 <= value < math.inf:
                raise ValueError(f"{name} must be a number of seconds, 0 or more; got {value}")

    @classmethod
    def of(cls, settings: DecisionSettings) -> ClipKeeper:
        return cls(
            BlobStore.of_mesh(settings),
            settings.live_clip_before_seconds,
            settings.live_clip_after_seconds,
        )

    @property
    def ring_seconds(self) -> float:
        """The audio a call keeps for its clips."""
        return self.before_seconds + self.after_seconds + HEARING_MARGIN_SECONDS

    def around(self, hit: TimeRange) -> TimeRange:
        """The stream offsets a hit's clip covers, if the stream has audio there."""
        return TimeRange(
            max(0.0, hit.start_seconds - self.before_seconds),
            hit.end_seconds + self.after_seconds,
        )


class FlagClips:
    """One call's flags waiting for the audio of their clip, and the audio they wait for.
    Not shared between calls or tasks."""

    def __init__(
        self, keeper: ClipKeeper, store: LiveStore, stream_id: str, start_seconds: float
    ) -> None:
        #: The call's audio from its first chunk (at `start_seconds`, the resume offset).
        self.ring = AudioRing(keeper.ring_seconds, start_seconds)
        self._keeper = keeper
        self._store = store
        self._stream_id = stream_id
        self._waiting: list[tuple[int, TimeRange]] = []

    def wait_for(self, flags: Sequence[LiveFlag]) -> None:
        for flag in flags:
            if flag.hit.time_range is None:
                raise ValueError("a live hit has a time range")  # transcripts give times
            self._waiting.append((flag.sequence, self._keeper.around(flag.hit.time_range)))

    async def keep_due(self, audio_over: bool = False) -> list[LiveClip]:
        """Keeps the clips whose audio has all arrived, or every waiting one once the
        call's audio is over (with what audio there was); returns them in flag order."""
        heard = self.ring.end_seconds
        kept = []
        for waiting in [w for w in self._waiting if audio_over or w[1].end_seconds <= heard]:
            sequence, wanted = waiting
            start, pcm = self.ring.between(wanted.start_seconds, wanted.end_seconds)
            if pcm:
                clip = await asyncio.to_thread(self._keep, sequence, start, pcm)
                log.info(
                    "stream clip kept",
                    stream_id=self._stream_id,
                    flag=sequence,
                    start_seconds=clip.time_range.start_seconds,
                    end_seconds=clip.time_range.end_seconds,
                )
                kept.append(clip)
            else:
                # Transcription took longer than HEARING_MARGIN_SECONDS to commit the
                # hit: its audio has left the ring.
                log.warning(
                    "clip not kept: its audio has gone", stream_id=self._stream_id, flag=sequence
                )
            # Only now: a call cancelled while keeping a clip keeps it again as it ends
            # (the same bytes, and a flag keeps its first clip).
            self._waiting.remove(waiting)
        return kept

    def _keep(self, sequence: int, start_seconds: float, pcm: bytes) -> LiveClip:
        blob = self._keeper.blobs.put([wav(pcm)], WAV_MIME)
        end_seconds = start_seconds + pcm16_seconds(len(pcm))
        clip = LiveClip(sequence, blob, TimeRange(start_seconds, end_seconds))
        self._store.keep_live_clip(self._stream_id, clip)
        return clip
