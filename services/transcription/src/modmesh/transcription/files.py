"""A media file's transcription, segment by segment: bounded memory and bounded turns.

A call transcribes the whole file or one window of it (decision asks for a long file
window by window, so that each call is bounded work and a replica that dies loses one
window). The file is probed (refused over the duration limit before anything is
decoded), then the window decoded `SEGMENT_SECONDS` at a time; each segment is
transcribed in a turn of its own on the inference worker and its word times moved to
where it starts in the file. So the PCM held is one segment (1.9 MB at 30 s) whatever
the duration, a caller that gives up stops the work at the next segment (the decoder is
killed, the segment's turn is left), and the segments of a long file queue behind short
items and live passes (lanes.py).

Media of up to `SHORT_SECONDS` is a short item: heard whole, in one call and one turn of
the short lane, exactly as before segments. A longer file's segments are cut at fixed
times: a word spoken across a cut may be heard in pieces or not at all, the price of
bounded work (docs/operations.md, "Bounded work per item").

Plain asyncio; the recogniser is passed in, so this knows nothing of the model or gRPC.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import Awaitable, Callable
from pathlib import Path

import numpy as np

from modmesh.contracts.evidence import TimeRange, speech_seconds
from modmesh.runtime.media import AUDIO_SAMPLE_RATE, probe
from modmesh.transcription.decoding import decode_file
from modmesh.transcription.domain import ModelInfo, Transcript, Window, WindowTranscript
from modmesh.transcription.lanes import Lane

#: Audio heard per turn of a long file: Whisper's own window, so a segment costs one
#: window of inference and a short item waits for at most that.
SEGMENT_SECONDS = 30.0
SEGMENT_SAMPLES = round(SEGMENT_SECONDS * AUDIO_SAMPLE_RATE)
#: Media up to this long is a short item, heard whole (3.8 MB of PCM at most).
SHORT_SECONDS = 60.0
SHORT_SAMPLES = round(SHORT_SECONDS * AUDIO_SAMPLE_RATE)

Recognise = Callable[[Lane, np.ndarray], Awaitable[Transcript]]


async def transcribe_file(
    path: Path, window: Window, *, max_seconds: float, recognise: Recognise, model: ModelInfo
) -> WindowTranscript:
    """The words of a window of a media file's audio track, recognised whole in the
    short lane (media of up to SHORT_SECONDS) or segment by segment in the long lane;
    media without audio gives no words. Raises InvalidArgument for non-media and media
    over `max_seconds`."""
    info = await asyncio.to_thread(probe, path, max_seconds)
    short = info.duration_seconds <= SHORT_SECONDS
    lane, block = (Lane.SHORT, SHORT_SAMPLES) if short else (Lane.LONG, SEGMENT_SAMPLES)
    parts: list[tuple[float, Transcript]] = []
    start = window.start_seconds
    if info.has_audio:
        # Closed at once when the caller gives up, which kills ffmpeg.
        async with contextlib.aclosing(decode_file(path, block, max_seconds, window)) as audio:
            async for segment in audio:
                parts.append((start, await recognise(lane, segment)))
                start += len(segment) / AUDIO_SAMPLE_RATE
    heard = start - window.start_seconds
    # A window that decoded less than its length reached the end (to within a sample).
    complete = not window.length_seconds or heard < window.length_seconds - 1 / AUDIO_SAMPLE_RATE
    return WindowTranscript(joined(parts, model), end_seconds=start, complete=complete)


def joined(parts: list[tuple[float, Transcript]], model: ModelInfo) -> Transcript:
    """The transcripts of consecutive segments, each given with its start in the file,
    as one: word and speech times count from the file's start; the language is that of
    the segment with the most speech, transcribed or not (a guess on a segment with
    little speech is the least sure)."""
    if len(parts) == 1 and parts[0][0] == 0.0:
        return parts[0][1]
    words = tuple(
        dataclasses.replace(
            word, start_seconds=word.start_seconds + start, end_seconds=word.end_seconds + start
        )
        for start, part in parts
        for word in part.words
    )
    untranscribed = tuple(
        dataclasses.replace(
            speech,
            time_range=TimeRange(
                speech.time_range.start_seconds + start, speech.time_range.end_seconds + start
            ),
        )
        for start, part in parts
        for speech in part.untranscribed
    )
    voice = max(
        (part for _, part in parts if part.language),
        key=lambda part: speech_seconds(part.words, part.untranscribed),
        default=None,
    )
    return Transcript(
        words=words,
        text=" ".join(word.text for word in words),
        language=voice.language if voice else "",
        language_probability=voice.language_probability if voice else 0.0,
        duration_seconds=sum(part.duration_seconds for _, part in parts),
        model=model,
        untranscribed=untranscribed,
    )
