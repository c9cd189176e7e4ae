"""One live stream's audio between its client and its passes: flow control and lag.

The reader puts the chunks it receives; each pass takes all the audio pending at the
moment it starts, so a stream that waited for the recogniser catches up in one bigger
pass instead of many stale ones. Past `limit_seconds` of pending audio the reader waits,
and with it gRPC flow control holds the client back.

Lag is how far the stream's transcription trails its live edge: the audio a real-time
source would have offered by now. The edge advances with the wall clock from the last
moment the stream was caught up (its passes had heard all but less than one step of
what arrived), so
- a client that pauses on its own is not lagging: with nothing to hear, the stream is
  caught up, and the edge stays at the audio received;
- a client that has sent more than `limit_seconds` ahead of the wall clock since the
  stream opened is replaying a recording, not broadcasting: it is held back by flow
  control and never counted as lagging, however long it waits;
- a stream whose passes hear less than real time (the service has more streams than
  it can transcribe) lags by the wall time its transcription falls behind.

Plain asyncio and numpy; knows nothing of gRPC.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import numpy as np

from modmesh.runtime.errors import ServiceError
from modmesh.runtime.media import AUDIO_SAMPLE_RATE


class Backlog:
    """Not thread-safe: used on the event loop only."""

    def __init__(
        self,
        *,
        limit_seconds: float,
        step_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Past `limit_seconds` of pending audio, `put` waits; less than `step_seconds`
        left unheard counts as caught up."""
        self._limit = round(limit_seconds * AUDIO_SAMPLE_RATE)
        self._step = round(step_seconds * AUDIO_SAMPLE_RATE)
        self._clock = clock
        self._pending: list[np.ndarray] = []
        self._pending_samples = 0
        self._received = 0
        self._heard = 0
        self._room = asyncio.Event()
        self._room.set()
        #: Set when audio arrives or the stream ends.
        self._news = asyncio.Event()
        self._ended = False
        self._error: ServiceError | None = None
        #: The live edge when last caught up, in samples, and when that was.
        self._edge = 0
        self._edge_at = clock()
        self._opened_at = self._edge_at
        self._replay = False

    @property
    def pending_seconds(self) -> float:
        return self._pending_samples / AUDIO_SAMPLE_RATE

    async def put(self, samples: np.ndarray) -> None:
        """Adds a chunk of the stream; first waits while the pending audio is over the limit."""
        while self._pending_samples >= self._limit:
            self._room.clear()
            await self._room.wait()
        self._pending.append(samples)
        self._pending_samples += len(samples)
        self._received += len(samples)
        ahead = self._received - self._limit - (self._clock() - self._opened_at) * AUDIO_SAMPLE_RATE
        self._replay = self._replay or ahead > 0
        self._note_progress()
        self._news.set()

    def end(self, error: ServiceError | None = None) -> None:
        """The client closed its side; or sent what `error` refuses, which ends the stream."""
        self._ended = True
        self._error = error
        self._news.set()

    async def wait_for_pass(self) -> bool:
        """Waits until a step of audio is pending (True) or the stream ended (False).
        Raises the error the client's input caused."""
        while True:
            if self._error is not None:
                raise self._error
            if self._ended:
                return False
            if self._pending_samples >= self._step:
                return True
            self._news.clear()
            await self._news.wait()

    def take(self) -> np.ndarray:
        """All the pending audio, in order, for a pass that starts now."""
        taken = np.concatenate(self._pending) if self._pending else np.zeros(0, np.float32)
        self._pending = []
        self._pending_samples = 0
        self._room.set()
        return taken

    def heard(self, samples: int) -> None:
        """A pass finished hearing `samples` more of the stream."""
        self._heard += samples
        self._note_progress()

    def lag_seconds(self) -> float:
        """How far the transcription trails the stream's live edge, now."""
        if self._replay:
            return 0.0
        if self._caught_up():
            return (self._received - self._heard) / AUDIO_SAMPLE_RATE
        elapsed = self._clock() - self._edge_at
        edge = self._edge / AUDIO_SAMPLE_RATE + elapsed
        return max(0.0, edge - self._heard / AUDIO_SAMPLE_RATE)

    def _caught_up(self) -> bool:
        return self._received - self._heard < self._step

    def _note_progress(self) -> None:
        if self._caught_up():
            self._edge = self._received
            self._edge_at = self._clock()
