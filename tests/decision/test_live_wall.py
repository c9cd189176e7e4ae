"""The live wall in the store, on both databases: the streams on air and those that ended
a short while ago, the flags after a poller's cursor across all streams (each once), and
the caller's scope."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from modmesh.contracts.evidence import TimeRange
from modmesh.decision.compose import SqlStore as CaseStore
from modmesh.decision.live.moderation import StreamModeration
from modmesh.decision.live.wall import LiveWall
from modmesh.decision.policy.document import DEFAULT_RULE_SET
from modmesh.runtime.tenancy import UNRESTRICTED, CaseScope
from tests.decision.examples import CAPTURED, term_hit
from tests.decision.test_live import ListMatcher
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


async def test_a_stream_belongs_to_the_tenant_whose_call_opened_it(store: CaseStore) -> None:
    await StreamModeration.open(
        store, ListMatcher(), "stream-1", "streamer-1", CAPTURED, 0.0, tenant="platform-a"
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
