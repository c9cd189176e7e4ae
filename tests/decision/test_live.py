"""Live stream moderation, in-process on both databases, with a matcher that answers from
memory: flags, acknowledgements, resume, ownership, rules and the end of a stream."""

from __future__ import annotations

import string
from collections.abc import AsyncIterator, Iterator, Sequence
from datetime import datetime, timedelta

import pytest

from modmesh.contracts.evidence import Severity, TimeRange, UntranscribedSpeech, Word
from modmesh.decision.compose import SqlStore as CaseStore
from modmesh.decision.domain import (
    Account,
    ActionType,
    CaseStatus,
    LiveAction,
    LiveClip,
    LiveFlag,
    LiveUntranscribed,
    ModelScore,
    Priority,
    Queue,
    Reviewer,
    RuleRef,
    TermHit,
)
from modmesh.decision.live.clips import ClipKeeper
from modmesh.decision.live.moderation import (
    END,
    Ack,
    End,
    Event,
    StreamModeration,
    TranscriptUpdate,
)
from modmesh.decision.policy.document import load_document
from modmesh.runtime.blobs import Blob
from modmesh.runtime.errors import AlreadyExists, FailedPrecondition, InvalidArgument
from tests.decision.examples import CAPTURED, model_score
from tests.support import AUDIT_KEY

#: term -> (term_id, severity, category), as the sample list has them.
TERMS = {
    "free gift card": ("free-gift-card", Severity.HIGH, "scam"),
    "wire the money": ("wire-the-money", Severity.HIGH, "scam"),
}
END_SCAM_STREAMS = """
rules:
  - id: end-scam-streams
    when: {all: [{term_hits: {categories: [scam]}}]}
    then: {auto_action: {action: end_stream, policy: "scam policy 4.2"}}
"""


class ListMatcher:
    """Finds the TERMS in the words as termmatch does: spans in the words joined by
    single spaces, word indexes, stream times."""

    def __init__(self) -> None:
        self.capture_times: list[datetime] = []
        #: What scoring answers for the next words (nothing unless a test says).
        self.scores: list[ModelScore] = []

    async def match(self, words: Sequence[Word], capture_time: datetime) -> list[TermHit]:
        self.capture_times.append(capture_time)
        texts = [w.text.strip() for w in words]
        spoken = [t.strip(string.punctuation).lower() for t in texts]
        hits = []
        for term, (term_id, severity, category) in TERMS.items():
            size = len(term.split())
            for first in range(len(words) - size + 1):
                if spoken[first : first + size] == term.split():
                    last = first + size - 1
                    start = len(" ".join(texts[:first])) + (1 if first else 0)
                    end = start + len(" ".join(texts[first : last + 1]))
                    hits.append(
                        TermHit(
                            term_id=term_id,
                            term=term,
                            list_id="sample-scams",
                            list_version=1,
                            severity=severity,
                            category=category,
                            span_start=start,
                            span_end=end,
                            matched_text=" ".join(texts[first : last + 1]),
                            word_start_index=first,
                            word_end_index=last,
                            time_range=TimeRange(
                                words[first].start_seconds, words[last].end_seconds
                            ),
                        )
                    )
        return hits

    async def score(self, words: Sequence[Word]) -> list[ModelScore]:
        return self.scores


def said(text: str, start: float) -> tuple[Word, ...]:
    """Words 0.4 s apart from `start`, as transcription commits them."""
    return tuple(
        Word(f" {w}", start + i * 0.4, start + i * 0.4 + 0.3, 0.9)
        for i, w in enumerate(text.split())
    )


def update(words: tuple[Word, ...], settled: float) -> TranscriptUpdate:
    return TranscriptUpdate(words, settled)


@pytest.fixture
def store(database_url: str) -> Iterator[CaseStore]:
    opened = CaseStore(database_url, audit_key=AUDIT_KEY)
    yield opened
    opened.close()


async def opened(
    store: CaseStore,
    clips: ClipKeeper,
    stream_id: str = "stream-1",
    account_id: str = "streamer-1",
    resume_from: float = 0.0,
    matcher: ListMatcher | None = None,
) -> StreamModeration:
    return await StreamModeration.open(
        store, matcher or ListMatcher(), stream_id, account_id, CAPTURED, resume_from, clips=clips
    )


def offsets(flag: LiveFlag) -> tuple[float, float]:
    assert flag.hit.time_range is not None
    return flag.hit.time_range.start_seconds, flag.hit.time_range.end_seconds


def flags(events: Sequence[Event]) -> list[LiveFlag]:
    return [e for e in events if isinstance(e, LiveFlag)]


def actions(events: Sequence[Event]) -> list[LiveAction]:
    return [e for e in events if isinstance(e, LiveAction)]


async def test_a_spoken_term_is_flagged_once_with_its_offsets_and_the_words_around_it(
    store: CaseStore,
    clips: ClipKeeper,
) -> None:
    moderation = await opened(store, clips)

    events = await moderation.update(
        update(said("hello there get your free gift card", 10.0), 11.0)
    )
    later = await moderation.update(update(said("now thanks", 12.8), 13.0))

    [flag] = flags(events)
    assert flag.sequence == 1
    assert (flag.hit.term, flag.hit.list_id, flag.hit.list_version) == (
        "free gift card",
        "sample-scams",
        1,
    )
    assert offsets(flag) == pytest.approx((11.6, 12.7))
    text = " ".join(w.text for w in flag.context)
    assert text == "hello there get your free gift card"
    assert text[flag.hit.span_start : flag.hit.span_end] == "free gift card"
    assert events[-1] == Ack(11.0)
    # Still in the window of the next match, but not new: not flagged again.
    assert flags(later) == []
    assert later[-1] == Ack(13.0)
    assert store.stream_flags("stream-1") == [flag]


async def test_a_score_at_its_threshold_queues_the_stream_with_its_highest_score(
    store: CaseStore, clips: ClipKeeper
) -> None:
    matcher = ListMatcher()
    moderation = await opened(store, clips, matcher=matcher)
    matcher.scores = [model_score(0.3)]
    await moderation.update(update(said("hello everyone", 1.0), 2.0))
    assert store.list_cases(CaseStatus.OPEN, 10) == []  # below its threshold: no evidence

    matcher.scores = [model_score(0.93)]
    await moderation.update(update(said("I will send each of you a present card", 2.0), 6.0))
    matcher.scores = [model_score(0.7)]
    await moderation.update(update(said("no cost at all", 6.0), 8.0))

    [case] = store.list_cases(CaseStatus.OPEN, 10)
    assert case.rule is not None
    assert (case.rule.rule_id, case.priority) == ("sample-scam-score", Priority.LOW)
    assert case.evidence is not None
    assert case.evidence.model_scores == (model_score(0.93),)
    assert "scored 0.93 ≥ 0.50 for scam" in case.statement
    assert actions(await moderation.update(update(said("bye", 9.0), 9.5))) == []


async def test_lists_apply_as_they_stood_when_the_words_were_said(
    store: CaseStore, clips: ClipKeeper
) -> None:
    matcher = ListMatcher()
    moderation = await opened(store, clips, matcher=matcher)

    await moderation.update(update(said("wire the money", 30.0), 30.0))

    assert matcher.capture_times == [CAPTURED + timedelta(seconds=30.0)]


async def test_a_phrase_split_across_updates_is_found(store: CaseStore, clips: ClipKeeper) -> None:
    moderation = await opened(store, clips)

    first = await moderation.update(update(said("please wire", 5.0), 5.0))
    second = await moderation.update(update(said("the money", 5.8), 6.0))

    assert flags(first) == []
    [flag] = flags(second)
    assert flag.hit.term == "wire the money"
    assert offsets(flag) == pytest.approx((5.4, 6.5))


async def test_a_resumed_stream_flags_nothing_twice_and_numbers_new_flags_on(
    store: CaseStore,
    clips: ClipKeeper,
) -> None:
    first_call = await opened(store, clips)
    await first_call.update(update(said("get your free gift card", 3.0), 4.0))
    await first_call.update(update(said("now", 5.0), 5.5))
    await first_call.close()  # the call dropped: its lease on the stream ends

    resumed = await opened(store, clips, resume_from=4.0)
    replayed = await resumed.update(
        update(said("free gift card now", 4.2) + said("wire the money", 8.0), 9.0)
    )

    assert resumed.stream.resumed
    assert resumed.stream.last_flag_sequence == 1
    assert resumed.stream.moderated_seconds == 5.5
    assert [(f.sequence, f.hit.term) for f in flags(replayed)] == [(2, "wire the money")]
    # The acknowledged offset never goes back, even when a call resumes earlier.
    assert replayed[-1] == Ack(9.0)
    assert [f.sequence for f in store.stream_flags("stream-1")] == [1, 2]


async def test_a_stream_id_belongs_to_the_account_that_first_opened_it(
    store: CaseStore, clips: ClipKeeper
) -> None:
    await opened(store, clips)

    with pytest.raises(AlreadyExists, match="stream id 'stream-1' belongs to another account"):
        await opened(store, clips, account_id="someone-else")


async def test_a_resume_past_the_acknowledged_offset_is_refused_saying_where_to_resume(
    store: CaseStore,
    clips: ClipKeeper,
) -> None:
    moderation = await opened(store, clips)
    await moderation.update(update(said("hello", 1.0), 2.5))

    with pytest.raises(FailedPrecondition, match=r"moderated up to 2\.500 s; resume from there"):
        await opened(store, clips, resume_from=3.0)
    with pytest.raises(FailedPrecondition, match="has not been moderated yet"):
        await opened(store, clips, stream_id="new-stream", resume_from=1.0)


async def chunks_then(*items: bytes | End) -> AsyncIterator[bytes | End]:
    for item in items:
        yield item


def transcribing(*updates: TranscriptUpdate) -> object:
    """Transcription that answers each chunk with the next scripted update and the end of
    the audio with the rest."""

    async def transcribe(audio: AsyncIterator[bytes]) -> AsyncIterator[TranscriptUpdate]:
        pending = list(updates)
        async for _ in audio:
            if pending:
                yield pending.pop(0)
        for rest in pending:
            yield rest

    return transcribe


async def run(moderation: StreamModeration, *items: bytes | End, updates: object) -> list[Event]:
    return [event async for event in moderation.run(chunks_then(*items), updates)]  # type: ignore[arg-type]


async def test_the_end_message_ends_the_stream_with_a_last_ack_and_it_cannot_be_reopened(
    store: CaseStore,
    clips: ClipKeeper,
) -> None:
    moderation = await opened(store, clips)

    events = await run(
        moderation,
        b"\0\0",
        END,
        updates=transcribing(update(said("hello", 0.5), 0.5), update(said("bye", 1.5), 2.0)),
    )

    assert events == [Ack(0.5), Ack(2.0), Ack(2.0)]
    with pytest.raises(FailedPrecondition, match=r"ended at .*a new broadcast needs a new stream"):
        await opened(store, clips)


async def test_a_call_closed_without_the_end_message_leaves_the_stream_resumable(
    store: CaseStore,
    clips: ClipKeeper,
) -> None:
    moderation = await opened(store, clips)

    events = await run(moderation, b"\0\0", updates=transcribing(update(said("hi", 0.5), 1.0)))

    assert events == [Ack(1.0)]
    assert (await opened(store, clips, resume_from=1.0)).stream.resumed


async def test_anything_after_the_end_message_is_refused(
    store: CaseStore, clips: ClipKeeper
) -> None:
    moderation = await opened(store, clips)

    with pytest.raises(InvalidArgument, match="nothing may follow the end message"):
        await run(moderation, b"\0\0", END, b"\0\0", updates=transcribing())

    # The refused call did not end the stream.
    assert (await opened(store, clips)).stream.resumed


async def test_flags_are_queued_as_one_case_per_stream_that_each_new_flag_updates(
    store: CaseStore,
    clips: ClipKeeper,
) -> None:
    moderation = await opened(store, clips)

    first = await moderation.update(update(said("free gift card", 1.0), 2.0))
    second = await moderation.update(update(said("wire the money", 4.0), 5.0))

    [gift], [wire] = flags(first), flags(second)
    assert gift.case_id is not None
    assert wire.case_id == gift.case_id
    case = store.get(gift.case_id)
    assert case.status is CaseStatus.OPEN
    assert case.source.content_id == "stream-1"
    assert case.evidence is not None
    assert [h.term for h in case.evidence.term_hits] == ["free gift card", "wire the money"]
    assert actions(first + second) == []


async def test_a_flag_keeps_its_first_clip_and_the_streams_case_lists_it(
    store: CaseStore,
    clips: ClipKeeper,
) -> None:
    moderation = await opened(store, clips)
    [flag] = flags(await moderation.update(update(said("free gift card", 1.0), 2.0)))
    first = LiveClip(1, Blob("a" * 64, "file:///blobs/a", 48_044, "audio/wav"), TimeRange(0.0, 7.0))
    again = LiveClip(1, Blob("b" * 64, "file:///blobs/b", 48_044, "audio/wav"), TimeRange(0.0, 7.0))

    store.keep_live_clip("stream-1", first)
    store.keep_live_clip("stream-1", again)

    assert flag.case_id is not None
    assert store.get(flag.case_id).live_clips == (first,)
    [kept] = [e for e in store.audit_log() if e.action == "stream.clip_kept"]
    assert kept.details == {"flag": 1, "sha256": "a" * 64, "offsets": [0.0, 7.0]}


async def test_the_streams_case_belongs_to_the_tenant_that_moderates_it(
    store: CaseStore, clips: ClipKeeper
) -> None:
    moderation = await StreamModeration.open(
        store,
        ListMatcher(),
        "stream-1",
        "streamer-1",
        CAPTURED,
        0.0,
        tenant="platform-a",
        clips=clips,
    )

    [flag] = flags(await moderation.update(update(said("free gift card", 1.0), 2.0)))

    assert flag.case_id is not None
    assert store.get(flag.case_id).tenant == "platform-a"


async def test_an_auto_action_rule_ends_an_unprotected_stream_once_through_the_outbox(
    store: CaseStore,
    clips: ClipKeeper,
) -> None:
    store.publish_rules(load_document(END_SCAM_STREAMS), END_SCAM_STREAMS, "admin", "live scams")
    moderation = await opened(store, clips)

    first = await moderation.update(update(said("free gift card", 1.0), 2.0))
    second = await moderation.update(update(said("wire the money", 4.0), 5.0))

    [action] = actions(first)
    assert action.type is ActionType.END_STREAM
    assert action.rule == RuleRef("end-scam-streams", 2)
    assert "END_STREAM applied automatically" in action.statement
    assert actions(second) == []
    case = store.get(action.case_id)
    assert case.status is CaseStatus.CLOSED
    assert [(a.type, a.actor, a.reason) for a in case.actions] == [
        (ActionType.END_STREAM, "rule:end-scam-streams@v2", "scam policy 4.2")
    ]
    [delivery] = store.due_deliveries(10)
    assert delivery.payload["action"] == "END_STREAM"
    assert delivery.payload["content_id"] == "stream-1"
    recorded = [e for e in store.audit_log() if e.subject == action.case_id]
    assert [e.action for e in recorded] == ["case.stream_evidence_recorded", "action.recorded"]


async def test_a_protected_account_is_never_auto_actioned_its_case_goes_to_its_queue(
    store: CaseStore,
    clips: ClipKeeper,
) -> None:
    store.publish_rules(load_document(END_SCAM_STREAMS), END_SCAM_STREAMS, "admin", "live scams")
    store.put_account(Account("star-1", protected=True), "admin", "public figure")
    store.put_reviewer(Reviewer("senior-1", protected_queue=True), "admin", "cleared")
    moderation = await opened(store, clips, account_id="star-1")

    events = await moderation.update(update(said("free gift card", 1.0), 2.0))

    [flag] = flags(events)
    assert actions(events) == []
    assert flag.case_id is not None
    case = store.get(flag.case_id)
    assert case.status is CaseStatus.OPEN
    assert case.actions == ()
    assert "protected and never auto-actioned" in case.statement
    queue = store.review_queue("senior-1", Queue.PROTECTED, 10)
    assert [c.case_id for c in queue] == [flag.case_id]
    assert store.due_deliveries(10) == []


async def test_speech_in_a_language_not_transcribed_queues_the_stream_for_who_speaks_it(
    store: CaseStore,
    clips: ClipKeeper,
) -> None:
    store.put_reviewer(Reviewer("fr-1", languages=frozenset({"fr"})), "admin", "speaks French")
    store.put_reviewer(Reviewer("en-1", languages=frozenset({"en"})), "admin", "speaks English")
    moderation = await opened(store, clips)

    # Transcription reports a stream's French every few seconds, no words with it.
    told = []
    for start in (0.0, 7.0, 14.0):
        french = UntranscribedSpeech("fr", 0.9 + start / 1000, TimeRange(start, start + 6.5))
        events = await moderation.update(TranscriptUpdate((), start + 7.0, (french,)))
        assert (flags(events), actions(events)) == ([], [])
        [event] = [e for e in events if isinstance(e, LiveUntranscribed)]
        assert event.speech == (french,)
        told.append(event.case_id)

    assert store.review_queue("en-1", Queue.GENERAL, 10) == []
    [queued] = store.review_queue("fr-1", Queue.GENERAL, 10)
    # The client is told of the speech, and of the case it went to.
    assert told == [queued.case_id] * 3
    case = store.get(queued.case_id)
    assert (case.status, case.priority) == (CaseStatus.OPEN, Priority.LOW)
    assert case.evidence is not None
    assert case.evidence.transcript is not None
    # One range for the French that followed on: an hour of it is not hundreds of rows.
    assert case.evidence.transcript.untranscribed == (
        UntranscribedSpeech("fr", 0.914, TimeRange(0.0, 20.5)),
    )
    assert "does not transcribe" in case.statement


# One call at a time per stream (a lease in the database), across replicas: the newest


async def test_a_resume_takes_the_stream_over_and_the_earlier_call_writes_nothing_more(
    database_url: str, store: CaseStore, clips: ClipKeeper
) -> None:
    # The client's first connection died unseen: decision still runs its call.
    earlier = await opened(store, clips)
    other_replica = CaseStore(database_url, audit_key=AUDIT_KEY)
    try:
        resumed = await opened(other_replica, clips)
        assert resumed.stream.resumed

        with pytest.raises(FailedPrecondition, match="stream stream-1 was resumed by a newer"):
            await earlier.update(update(said("free gift card", 3.0), 4.0))
        await earlier.close()  # gives back nothing: the stream is the newer call's

        [flag] = flags(await resumed.update(update(said("free gift card", 3.0), 4.0)))
        assert flag.sequence == 1
        assert store.live_stream("stream-1").moderated_seconds == 4.0
    finally:
        other_replica.close()


async def test_a_stream_whose_replica_died_is_resumed_elsewhere_at_once(
    database_url: str, store: CaseStore, clips: ClipKeeper
) -> None:
    store.work_lease_seconds = 300
    await opened(store, clips)  # its replica dies: never closed, never renewed
    other_replica = CaseStore(database_url, audit_key=AUDIT_KEY)
    try:
        assert (await opened(other_replica, clips)).stream.resumed  # no wait for the lease to end
    finally:
        other_replica.close()
