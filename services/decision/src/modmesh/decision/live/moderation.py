"""Live stream moderation: audio in, transcribed as it arrives, flags and actions out.

One `StreamModeration` runs one ModerateStream call. Its audio goes to transcription;
each update's newly committed words are matched against the term lists, and scored
(live/scores.py), over a rolling window of recent words (a phrase split across updates
is still found). Speech in a
language transcription does not transcribe is kept on the stream, and the rules decide
on it like on hits: with no rule for it, the stream's case goes to a reviewer who speaks
the language. A hit is new
only if it covers a newly committed word and no flag of the same list and term lies
within DUPLICATE_SECONDS of it: a resumed call hears the audio after its resume offset
again, and this is what keeps it from flagging twice. New flags are stored, the rules
decide on the stream's hits, and only then are the flags sent; the acknowledged offset
is where transcription says every word is committed, so a call resumed from it loses
nothing. Each flag's clip follows it once the audio after the hit has arrived
(`modmesh.decision.live.clips`).

Plain asyncio: the client's messages, the transcription call and the matcher are given
as iterators and callables, so this runs without gRPC; the servicer translates.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol, TypeVar

import structlog

from modmesh.contracts.evidence import UntranscribedSpeech, Word
from modmesh.decision.domain import (
    LiveAction,
    LiveClip,
    LiveFlag,
    LiveStream,
    LiveUntranscribed,
    ModelScore,
    TermHit,
)
from modmesh.decision.live.audio import stream_audio
from modmesh.decision.live.clips import ClipKeeper, FlagClips
from modmesh.decision.live.store import LiveStore, StreamEnded
from modmesh.runtime.errors import FailedPrecondition, InvalidArgument
from modmesh.runtime.leases import LeaseLost, replica_id

log = structlog.get_logger()
R = TypeVar("R")

#: Committed words kept for matching: longer than any term, plus the context around it.
WINDOW_WORDS = 32
#: Committed words shown on each side of a hit, as far as they are committed yet.
CONTEXT_WORDS = 8
#: A hit of a term this close to a flag of the same term is that flag heard again.
DUPLICATE_SECONDS = 0.5
#: Audio chunks read ahead of transcription; past them the client waits (flow control).
QUEUED_CHUNKS = 16


class LiveEngines(Protocol):
    """termmatch and scoring, as a stream's committed words go to them."""

    async def match(self, words: Sequence[Word], capture_time: datetime) -> list[TermHit]: ...

    async def score(self, words: Sequence[Word]) -> list[ModelScore]: ...


@dataclass(frozen=True)
class TranscriptUpdate:
    """What transcription said after hearing more of the stream (stream offsets)."""

    committed: tuple[Word, ...]
    #: Every word before this offset is committed.
    settled_seconds: float
    #: Speech heard since the last update in a language transcription does not transcribe.
    untranscribed: tuple[UntranscribedSpeech, ...] = ()


#: Transcribes a stream's audio chunks into updates; raises a ServiceError (with the
#: transcription service's status) when it refuses the audio.
Transcribe = Callable[[AsyncIterator[bytes]], AsyncIterator[TranscriptUpdate]]


@dataclass(frozen=True)
class Ack:
    """The stream is moderated up to here: a resume from it loses nothing."""

    moderated_seconds: float


class End:
    """The client's end-of-stream message."""


END = End()
Event = LiveFlag | LiveClip | LiveUntranscribed | LiveAction | Ack


class StreamModeration:
    """One call of one live stream. Not shared between calls or tasks."""

    def __init__(
        self,
        store: LiveStore,
        matcher: LiveEngines,
        stream: LiveStream,
        clips: FlagClips,
        holder: str = "",
        renew_seconds: float = 10.0,
        tenant: str = "",
        container: bool = False,
    ) -> None:
        self.stream = stream
        self._clips = clips
        #: The stream's audio is a media container's bytes, not PCM16.
        self._container = container
        self._store = store
        #: Who moderates the stream through this call: recorded on the case it makes.
        self._tenant = tenant
        #: This call's lease on the stream, renewed while the call runs.
        self._holder = holder
        self._renew_seconds = renew_seconds
        self._matcher = matcher
        self._window: list[Word] = []
        self._flagged = list(stream.flagged)
        self.moderated_seconds = stream.moderated_seconds

    @classmethod
    async def open(
        cls,
        store: LiveStore,
        matcher: LiveEngines,
        stream_id: str,
        account_id: str,
        start_time: datetime,
        resume_from: float,
        lease_seconds: float = 30.0,
        tenant: str = "",
        *,
        clips: ClipKeeper,
        container: bool = False,
    ) -> StreamModeration:
        """Opens or resumes the stream, leased to this call (taken over from an earlier
        call still holding it); raises the refusal (owner, ended, offset). The call's
        audio starts at `resume_from`; `clips` says what of it each flag keeps."""
        holder = f"{replica_id()}/{uuid.uuid4().hex[:8]}"
        stream = await asyncio.to_thread(
            store.open_stream, stream_id, account_id, start_time, resume_from, holder, tenant
        )
        flag_clips = FlagClips(clips, store, stream_id, resume_from)
        return cls(store, matcher, stream, flag_clips, holder, lease_seconds / 3, tenant, container)

    async def close(self) -> None:
        """Gives the stream back, so a reconnect (to any replica) takes it at once."""
        await asyncio.to_thread(self._store.release_stream, self.stream.stream_id, self._holder)

    async def _renew(self) -> None:
        while True:
            await asyncio.sleep(self._renew_seconds)
            await self._while_held(self._store.renew_stream, self.stream.stream_id, self._holder)

    async def _while_held(self, write: Callable[..., R], *args: object) -> R:
        """Runs one of the store's writes for this call's stream, which the store makes
        only while this call holds it: a newer call for the stream (the client resumed
        elsewhere) ends this one."""
        try:
            return await asyncio.to_thread(write, *args)
        except LeaseLost:
            raise FailedPrecondition(
                f"stream {self.stream.stream_id} was resumed by a newer call, which "
                "moderates it from now on; this call ends",
                field="open.stream_id",
            ) from None

    async def run(
        self, incoming: AsyncIterator[bytes | End], transcribe: Transcribe
    ) -> AsyncIterator[Event]:
        """Moderates the call's audio until the client ends the stream (marked ended),
        closes its side without ending it (left to resume), or a moderator ends it (the
        last event is their END_STREAM action; what the call heard after it is not
        stored). Anything after the end message is refused; the transcription's refusals
        are raised as they are. The clips still waiting when the audio ends are sent
        before the last ack; a call that ends otherwise still keeps them."""
        audio: asyncio.Queue[bytes | None] = asyncio.Queue(maxsize=QUEUED_CHUNKS)
        updates: asyncio.Queue[TranscriptUpdate | BaseException | None] = asyncio.Queue()
        ended = asyncio.Event()
        # The audio kept for clips is what transcription takes, at the offsets it hears.
        kept = stream_audio(self._container, self._clips.ring, self.stream.stream_id)

        async def chunks() -> AsyncIterator[bytes]:
            while (chunk := await audio.get()) is not None:
                await kept.hear(chunk)
                yield chunk

        async def read() -> None:
            try:
                async for item in incoming:
                    if ended.is_set():
                        raise InvalidArgument(
                            "the stream has ended; nothing may follow the end message",
                            field="end",
                        )
                    if isinstance(item, End):
                        ended.set()
                        await audio.put(None)
                    else:
                        await audio.put(item)
            except Exception as error:  # noqa: BLE001 - handed to the call, which raises it
                await updates.put(error)
                return
            if not ended.is_set():
                await audio.put(None)  # closed without end: transcribe what came, keep it open

        async def transcribed() -> None:
            try:
                async for update in transcribe(chunks()):
                    await updates.put(update)
            except Exception as error:  # noqa: BLE001 - handed to the call, which raises it
                await updates.put(error)
                return
            await updates.put(None)

        async def renewed() -> None:
            try:
                await self._renew()
            except Exception as error:  # noqa: BLE001 - handed to the call, which raises it
                await updates.put(error)

        reader = asyncio.create_task(read(), name=f"read-{self.stream.stream_id}")
        transcriber = asyncio.create_task(transcribed(), name=f"hear-{self.stream.stream_id}")
        renewer = asyncio.create_task(renewed(), name=f"lease-{self.stream.stream_id}")
        try:
            while (update := await updates.get()) is not None:
                if isinstance(update, BaseException):
                    raise update
                for event in await self.update(update):
                    yield event
            # Transcription is done; the reader still refuses anything sent after the end.
            await reader
            while not updates.empty():
                error = updates.get_nowait()
                if isinstance(error, BaseException):
                    raise error
            await kept.heard()
            for clip in await self._clips.keep_due(audio_over=True):
                yield clip
            if ended.is_set():
                await self._while_held(
                    self._store.end_stream,
                    self.stream.stream_id,
                    self._holder,
                    self.moderated_seconds,
                )
                log.info(
                    "stream ended",
                    stream_id=self.stream.stream_id,
                    account_id=self.stream.account_id,
                    moderated_seconds=self.moderated_seconds,
                )
                yield Ack(self.moderated_seconds)
        except StreamEnded as by_moderator:  # seen by a write or by the lease's renewal
            log.info(
                "stream ended by a moderator",
                stream_id=self.stream.stream_id,
                account_id=self.stream.account_id,
                case_id=by_moderator.action.case_id,
            )
            yield by_moderator.action
        finally:
            for task in (reader, transcriber, renewer):
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.gather(reader, transcriber, renewer, return_exceptions=True)
            await kept.close()
            await self._keep_waiting_clips()
            await self.close()

    async def _keep_waiting_clips(self) -> None:
        """Keeps the clips of a call that ended early with the audio it had (nobody is
        left to send them to: the stream's case lists them)."""
        try:
            await self._clips.keep_due(audio_over=True)
        except Exception:
            # Logged, not raised: what ended the call is what its caller must hear.
            log.exception("stream clips not kept", stream_id=self.stream.stream_id)

    async def update(self, update: TranscriptUpdate) -> list[Event]:
        """Flags the new hits in the update's committed words, stores them with the
        moderated offset, and returns the flags, the clips whose audio has now arrived,
        any action and the acknowledgement."""
        new = [word for word in update.committed if word.text.strip()]
        found: list[tuple[TermHit, tuple[Word, ...]]] = []
        scores: list[ModelScore] = []
        if new:
            self._window = [*self._window, *new][-WINDOW_WORDS:]
            first_new = max(0, len(self._window) - len(new))
            capture_time = self.stream.start_time + timedelta(seconds=new[0].start_seconds)
            hits, scores = await asyncio.gather(
                self._matcher.match(self._window, capture_time), self._score()
            )
            for hit in hits:
                if self._is_new(hit, first_new, [h for h, _ in found]):
                    found.append(_in_context(hit, self._window))
        rule_set = (await asyncio.to_thread(self._store.active_rules)).rule_set
        flags, action, case_id = await self._while_held(
            self._store.record_live_update,
            self.stream.stream_id,
            self._holder,
            found,
            update.settled_seconds,
            rule_set,
            self._tenant,
            update.untranscribed,
            scores,
        )
        self._flagged += [flag.hit for flag in flags]
        self._clips.wait_for(flags)
        clips = await self._clips.keep_due()
        self.moderated_seconds = max(self.moderated_seconds, update.settled_seconds)
        for flag in flags:
            log.info(
                "stream flagged",
                stream_id=self.stream.stream_id,
                account_id=self.stream.account_id,
                sequence=flag.sequence,
                list_id=flag.hit.list_id,
                term_id=flag.hit.term_id,
                case_id=flag.case_id,
            )
        if action is not None:
            log.info(
                "stream actioned",
                stream_id=self.stream.stream_id,
                account_id=self.stream.account_id,
                action=action.type.value,
                case_id=action.case_id,
            )
        heard: list[Event] = []
        if update.untranscribed:
            heard.append(LiveUntranscribed(update.untranscribed, case_id))
            log.info(
                "stream speech not transcribed",
                stream_id=self.stream.stream_id,
                languages=sorted({s.language for s in update.untranscribed}),
                case_id=case_id,
            )
        return [
            *flags,
            *clips,
            *heard,
            *([action] if action else []),
            Ack(self.moderated_seconds),
        ]

    async def _score(self) -> list[ModelScore]:
        """The latest words' scores; none when scoring fails, as for a file's case (a
        score is a second opinion: the stream goes on without it)."""
        try:
            return await self._matcher.score(self._window)
        except Exception as error:  # noqa: BLE001 - any failure of scoring; logged
            log.warning("stream not scored", stream_id=self.stream.stream_id, error=str(error))
            return []

    def _is_new(self, hit: TermHit, first_new: int, found: Sequence[TermHit]) -> bool:
        if hit.time_range is None or hit.word_end_index is None:
            return False  # words were given, so termmatch always says where
        if hit.word_end_index < first_new:
            return False  # all its words were matched before
        start = hit.time_range.start_seconds
        return not any(
            earlier.list_id == hit.list_id
            and earlier.term_id == hit.term_id
            and earlier.time_range is not None
            and abs(earlier.time_range.start_seconds - start) <= DUPLICATE_SECONDS
            for earlier in (*self._flagged, *found)
        )


def _in_context(hit: TermHit, window: Sequence[Word]) -> tuple[TermHit, tuple[Word, ...]]:
    """The hit with the committed words around it; its span and word indexes are made
    relative to those words (joined by single spaces, as termmatch joins them)."""
    if hit.word_start_index is None or hit.word_end_index is None:
        raise ValueError("a live hit names its words")  # termmatch gives word indexes
    first = max(0, hit.word_start_index - CONTEXT_WORDS)
    last = min(len(window), hit.word_end_index + 1 + CONTEXT_WORDS)
    context = tuple(replace(word, text=word.text.strip()) for word in window[first:last])
    shift = sum(len(word.text.strip()) + 1 for word in window[:first])
    moved = replace(
        hit,
        span_start=hit.span_start - shift,
        span_end=hit.span_end - shift,
        word_start_index=hit.word_start_index - first,
        word_end_index=hit.word_end_index - first,
    )
    return moved, context
