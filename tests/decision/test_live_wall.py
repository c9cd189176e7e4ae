"""The live wall in the store, on both databases: the streams on air and those that ended
a short while ago, the flags after a poller's cursor across all streams (each once), the
caller's scope; and a moderator ending a stream through its case, which the call
moderating it tells its client."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from sqlalchemy import text

from modmesh.contracts.evidence import TimeRange, Word
from modmesh.decision.compose import SqlStore as CaseStore
from modmesh.decision.domain import ActionType, Evidence, LiveAction, Reviewer
from modmesh.decision.live.clips import ClipKeeper
from modmesh.decision.live.moderation import Event, StreamModeration, TranscriptUpdate
from modmesh.decision.live.wall import LiveWall
from modmesh.decision.policy.conditions import Facts
from modmesh.decision.policy.document import DEFAULT_RULE_SET
from modmesh.runtime.errors import FailedPrecondition
from modmesh.runtime.tenancy import UNRESTRICTED, CaseScope
from tests.decision.examples import CAPTURED, media, source, term_hit, transcript
from tests.decision.test_live import ListMatcher, flags, said, update
from tests.support import AUDIT_KEY

WINDOW = timedelta(minutes=10)


class Clock:
    """Real time's pace, from CAPTURED, plus whatever a test skips ahead."""

    def __init__(self) -> None:
        self.skipped = timedelta()
        self.started = datetime.now(CAPTURED.tzinfo)

    def __call__(self) -> datetime:
        return CAPTURED + self.skipped + (datetime.now(CAPTURED.tzinfo) - self.started)

    def skip(self, delta: timedelta) -> None:
        self.skipped += delta


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(database_url: str, clock: Clock) -> Iterator[CaseStore]:
    store = CaseStore(database_url, clock=clock, audit_key=AUDIT_KEY)
    yield store
    store.close()


def on_air(store: CaseStore, stream_id: str, account: str = "streamer-1", tenant: str = "") -> str:
    """Opens a stream held by a call; returns the call's holder id."""
    holder = f"call-{stream_id}"
    store.open_stream(stream_id, account, CAPTURED, 0.0, holder, tenant)
    return holder


def flag(store: CaseStore, stream_id: str, at: float, term: str = "free gift card") -> None:
    """The call holding the stream stores one flag at `at` seconds of stream."""
    hit = replace(term_hit(term), time_range=TimeRange(at, at + 1.0))
    found = [(hit, ())]
    store.record_live_update(stream_id, f"call-{stream_id}", found, at + 2.0, DEFAULT_RULE_SET)


def wall(
    store: CaseStore, after: int = 0, flag_limit: int = 500, scope: CaseScope = UNRESTRICTED
) -> LiveWall:
    return store.live_wall(after, WINDOW, 100, flag_limit, scope)


def test_the_wall_lists_the_streams_on_air_then_those_that_ended_within_the_window(
    store: CaseStore, clock: Clock
) -> None:
    on_air(store, "ended-long-ago")
    store.end_stream("ended-long-ago", "call-ended-long-ago", 30.0)
    clock.skip(timedelta(minutes=20))
    on_air(store, "ended-just-now")
    flag(store, "ended-just-now", 3.0)
    store.end_stream("ended-just-now", "call-ended-just-now", 42.0)
    clock.skip(timedelta(minutes=5))
    on_air(store, "live-1", account="streamer-7")
    on_air(store, "live-2")
    store.release_stream("live-2", "call-live-2")  # its call dropped; it may resume

    shown = wall(store)

    assert [s.stream_id for s in shown.streams] == ["live-1", "live-2", "ended-just-now"]
    assert shown.total_streams == 3
    live, dropped, ended = shown.streams
    assert (live.account_id, live.start_time, live.ended_at) == ("streamer-7", CAPTURED, None)
    assert (live.connected, dropped.connected, ended.connected) == (True, False, False)
    assert ended.ended_at is not None
    assert (ended.moderated_seconds, ended.flag_count) == (42.0, 1)
    assert ended.case_id is not None  # the default rules queue a stream's hits
    assert live.case_id is None
    assert [s.stream_id for s in store.live_wall(0, WINDOW, 1, 500).streams] == ["live-1"]
    assert store.live_wall(0, WINDOW, 1, 500).total_streams == 3


def test_a_poller_gets_every_flag_once_across_streams_in_the_order_they_were_stored(
    store: CaseStore,
) -> None:
    on_air(store, "a")
    on_air(store, "b")
    flag(store, "a", 1.0)
    flag(store, "b", 1.0)
    flag(store, "a", 5.0, "wire the money")

    first = wall(store)
    nothing_new = wall(store, first.next_after_flag_id)
    flag(store, "b", 9.0, "wire the money")
    then = wall(store, first.next_after_flag_id)

    assert [(f.stream_id, f.flag.sequence) for f in first.flags] == [("a", 1), ("b", 1), ("a", 2)]
    ids = [f.flag_id for f in first.flags]
    assert ids == sorted(set(ids))
    assert first.next_after_flag_id == ids[-1]
    assert nothing_new.flags == ()
    assert nothing_new.next_after_flag_id == first.next_after_flag_id  # the cursor stays
    [new] = then.flags
    assert (new.stream_id, new.flag.sequence, new.flag.hit.term) == ("b", 2, "wire the money")
    assert new.flag_id > ids[-1]
    assert new.flag.case_id is not None


def test_a_flag_an_earlier_release_stored_without_an_id_is_numbered_at_the_next_write(
    store: CaseStore,
) -> None:
    on_air(store, "a")
    flag(store, "a", 1.0)
    seen = wall(store).next_after_flag_id
    with store._engine.begin() as connection:  # as a pod of the release before writes it
        connection.execute(
            text(
                "INSERT INTO live_flags (stream_id, sequence, list_id, list_version, term_id,"
                " start_seconds, end_seconds, hit, context, created_at) SELECT stream_id, 2,"
                " list_id, list_version, term_id, 3.0, 4.0, hit, context, created_at"
                " FROM live_flags WHERE stream_id = 'a'"
            )
        )
        connection.execute(text("UPDATE live_streams SET last_flag_sequence = 2"))
    unnumbered = wall(store, seen)
    flag(store, "a", 9.0, "wire the money")

    assert unnumbered.flags == ()
    assert [(f.flag.sequence, f.flag_id) for f in wall(store, seen).flags] == [
        (2, seen + 1),
        (3, seen + 2),
    ]


def test_flags_past_the_limit_come_with_the_next_poll(store: CaseStore) -> None:
    on_air(store, "a")
    for second in range(7):
        flag(store, "a", second * 10.0)

    seen: list[int] = []
    cursor = 0
    for _ in range(10):
        polled = wall(store, cursor, flag_limit=3)
        seen += [f.flag.sequence for f in polled.flags]
        if not polled.flags:
            break
        cursor = polled.next_after_flag_id

    assert seen == [1, 2, 3, 4, 5, 6, 7]


def test_a_caller_sees_only_the_streams_and_flags_its_scope_admits(store: CaseStore) -> None:
    on_air(store, "a-stream", account="acct-a", tenant="platform-a")
    on_air(store, "b-stream", account="acct-b", tenant="platform-b")
    flag(store, "a-stream", 1.0)
    flag(store, "b-stream", 1.0)

    for scope in (
        CaseScope("platform-a", frozenset({"platform-a"})),
        CaseScope("", None, "acct-a"),
    ):
        shown = wall(store, scope=scope)
        assert [s.stream_id for s in shown.streams] == ["a-stream"]
        assert shown.total_streams == 1
        assert [f.stream_id for f in shown.flags] == ["a-stream"]
    assert {s.stream_id for s in wall(store).streams} == {"a-stream", "b-stream"}


async def test_a_stream_belongs_to_the_tenant_whose_call_opened_it(
    store: CaseStore, clips: ClipKeeper
) -> None:
    await StreamModeration.open(
        store,
        ListMatcher(),
        "stream-1",
        "streamer-1",
        CAPTURED,
        0.0,
        tenant="platform-a",
        clips=clips,
    )

    def seen_by(tenant: str) -> list[str]:
        scope = CaseScope(tenant, frozenset({tenant}))
        return [s.stream_id for s in wall(store, scope=scope).streams]

    assert (seen_by("platform-a"), seen_by("platform-b")) == (["stream-1"], [])


def test_flags_of_a_stream_that_left_the_window_are_not_listed(
    store: CaseStore, clock: Clock
) -> None:
    on_air(store, "old")
    flag(store, "old", 1.0)
    store.end_stream("old", "call-old", 10.0)
    clock.skip(WINDOW + timedelta(seconds=1))

    assert wall(store) == LiveWall((), 0, (), 0)


# A moderator ends a stream: END_STREAM on its case


def end_by_moderator(store: CaseStore, case_id: str) -> None:
    store.put_reviewer(Reviewer("mod-1"), "admin", "onboarding")
    store.claim(case_id, "mod-1", 600)
    store.record_action(case_id, ActionType.END_STREAM, "mod-1", "scam policy 4.2")


async def test_a_moderator_ends_a_stream_and_its_call_tells_the_client_at_its_next_write(
    store: CaseStore, clips: ClipKeeper
) -> None:
    moderation = await StreamModeration.open(
        store, ListMatcher(), "stream-1", "streamer-1", CAPTURED, 0.0, clips=clips
    )
    [raised] = flags(await moderation.update(update(said("free gift card", 1.0), 2.0)))
    assert raised.case_id is not None

    await asyncio.to_thread(end_by_moderator, store, raised.case_id)
    heard = _heard(said("wire the money", 5.0))
    events = await _events(moderation.run(_audio(), heard))  # type: ignore[arg-type]

    assert events == [LiveAction(ActionType.END_STREAM, raised.case_id, None, "scam policy 4.2")]
    # What the call heard after the moderator ended it is not stored.
    assert [f.sequence for f in store.stream_flags("stream-1")] == [1]
    [ended] = wall(store).streams
    assert ended.ended_at is not None
    with pytest.raises(FailedPrecondition, match="a new broadcast needs a new stream id"):
        store.open_stream("stream-1", "streamer-1", CAPTURED, 2.0, "call-2")
    [delivery] = store.due_deliveries(10)
    assert (delivery.payload["action"], delivery.payload["content_id"]) == (
        "END_STREAM",
        "stream-1",
    )
    [entry] = [e for e in store.audit_log() if e.action == "stream.ended"]
    assert (entry.actor, entry.subject) == ("mod-1", "streams/stream-1")


async def test_a_silent_stream_learns_it_was_ended_when_its_call_renews_its_lease(
    store: CaseStore, clips: ClipKeeper
) -> None:
    moderation = await StreamModeration.open(
        store,
        ListMatcher(),
        "stream-1",
        "streamer-1",
        CAPTURED,
        0.0,
        lease_seconds=0.3,
        clips=clips,
    )
    [raised] = flags(await moderation.update(update(said("free gift card", 1.0), 2.0)))
    assert raised.case_id is not None
    quiet = asyncio.Event()  # the client sends nothing, transcription hears nothing

    async def silence() -> AsyncIterator[bytes]:
        await quiet.wait()
        yield b""

    async def nothing_heard(audio: AsyncIterator[bytes]) -> AsyncIterator[TranscriptUpdate]:
        async for _ in audio:
            pass
        yield update((), 0.0)

    running = asyncio.create_task(_events(moderation.run(silence(), nothing_heard)))
    await asyncio.to_thread(end_by_moderator, store, raised.case_id)
    events = await asyncio.wait_for(running, timeout=10)

    assert events == [LiveAction(ActionType.END_STREAM, raised.case_id, None, "scam policy 4.2")]


def test_ending_a_recorded_items_case_ends_no_stream_of_the_same_id(store: CaseStore) -> None:
    on_air(store, "content-1")  # a stream whose id is a recorded item's content id
    case, _ = store.submit(media(1), source("account-1", "content-1"))
    evidence = Evidence(transcript=transcript(), term_hits=(term_hit(),))
    store.record_outcome(case.case_id, evidence, DEFAULT_RULE_SET.decide(Facts(evidence)))

    end_by_moderator(store, case.case_id)

    [stream] = wall(store).streams
    assert (stream.stream_id, stream.ended_at) == ("content-1", None)


async def _events(events: AsyncIterator[Event]) -> list[Event]:
    return [event async for event in events]


async def _audio() -> AsyncIterator[bytes]:
    yield b"\0\0"


def _heard(words: tuple[Word, ...]) -> object:
    """Transcription that hears `words` in the first chunk."""

    async def transcribe(audio: AsyncIterator[bytes]) -> AsyncIterator[TranscriptUpdate]:
        async for _ in audio:
            yield update(words, 7.0)

    return transcribe
