"""A case's media transcribed window by window, each window kept once heard.

Decision asks transcription for the media `window_seconds` at a time. A short clip is
one window, complete at once, and nothing is kept. A long file's windows are kept as
they are heard, so that:
- each call is bounded work under its own deadline, whatever the file's duration;
- consecutive windows go to whichever transcription replica the balancer picks, so
  long files spread over the replicas instead of queueing on one;
- an analysis taken up again (its engine or its decision replica died) goes on from
  the last window heard instead of the start.
A window whose call fails in a way waiting cures is asked for again after a pause
(another replica usually takes it), up to WINDOW_ATTEMPTS times; then the case is
RETRYING, and what it heard stays kept.
"""

from __future__ import annotations

import asyncio
from typing import Protocol

import structlog

from modmesh.contracts.evidence import speech_seconds
from modmesh.decision.domain import Case, Transcript
from modmesh.decision.intake.engines import EngineError, Engines, TranscriptWindow
from modmesh.runtime.blobs import Blob

log = structlog.get_logger()

#: Calls for one window before its case is RETRYING.
WINDOW_ATTEMPTS = 3
#: The pause before a window's second call, doubled before its third: a replica that
#: was killed is seldom back sooner, and the balancer may pick it again.
WINDOW_RETRY_PAUSE_SECONDS = 2.0


class HeardWindows(Protocol):
    """Where the windows heard of a case's media are kept. Blocking."""

    def heard_windows(self, case_id: str) -> list[TranscriptWindow]: ...

    def record_window(self, case_id: str, window: TranscriptWindow, holder: str) -> None: ...


async def transcribe_in_windows(
    engines: Engines, kept: HeardWindows, case: Case, window_seconds: float, holder: str
) -> Transcript:
    """The transcript of the case's media, from the windows already kept on; raises
    EngineError when a window cannot be heard."""
    heard = await asyncio.to_thread(kept.heard_windows, case.case_id)
    if heard:
        log.info("transcription resumed", case_id=case.case_id, at=heard[-1].end_seconds)
    while not heard or not heard[-1].complete:
        start = heard[-1].end_seconds if heard else 0.0
        window = await _window(engines, case.media, start, window_seconds)
        if not window.complete and window.end_seconds <= start:
            raise EngineError(f"transcription heard nothing past {start:g} s of the media")
        heard.append(window)
        if len(heard) > 1 or not window.complete:
            await asyncio.to_thread(kept.record_window, case.case_id, window, holder)
    return joined(heard)


async def _window(
    engines: Engines, media: Blob, start_seconds: float, window_seconds: float
) -> TranscriptWindow:
    for attempt in range(1, WINDOW_ATTEMPTS + 1):
        try:
            return await engines.transcribe(media, start_seconds, window_seconds)
        except EngineError as error:
            if not error.transient or attempt == WINDOW_ATTEMPTS:
                raise
            log.info("window asked for again", at=start_seconds, error=str(error))
            await asyncio.sleep(WINDOW_RETRY_PAUSE_SECONDS * 2 ** (attempt - 1))
    raise AssertionError("unreachable: the last attempt returns or raises")


def joined(windows: list[TranscriptWindow]) -> Transcript:
    """Consecutive windows' transcripts as one (their word times already count from the
    media's start). The language is that of the window with the most speech, transcribed
    or not (a guess on little speech is the least sure); models that differ are all
    named."""
    if len(windows) == 1:
        return windows[0].transcript
    parts = [window.transcript for window in windows]
    words = tuple(word for part in parts for word in part.words)
    voice = max(parts, key=lambda part: speech_seconds(part.words, part.untranscribed))
    return Transcript(
        text=" ".join(word.text for word in words),
        words=words,
        language=voice.language,
        language_probability=voice.language_probability,
        model_name=" + ".join(dict.fromkeys(part.model_name for part in parts)),
        model_version=" + ".join(dict.fromkeys(part.model_version for part in parts)),
        untranscribed=tuple(speech for part in parts for speech in part.untranscribed),
    )
