"""Retroactive scans in-process, on both databases, with a matcher that answers from
memory: counts first in a dry run, one case per item and list, resumable after a
failure, each item matched as of its capture time, never transcribed again; replicas
share a run's slices, take over a dead one's after its lease and finish the run once."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta

import pytest

from modmesh.contracts.evidence import Severity, Word
from modmesh.decision.backfill.scan import Progress, backfill
from modmesh.decision.compose import SqlStore as CaseStore
from modmesh.decision.domain import CaseStatus, Evidence, Source, TermHit
from modmesh.decision.policy.conditions import Facts
from modmesh.decision.policy.document import DEFAULT_RULE_SET
from modmesh.runtime.leases import LeaseLost
from tests.decision.examples import CAPTURED, media, source, term_hit, transcript
from tests.support import AUDIT_KEY

NEW_TERM = term_hit("gift card", Severity.HIGH, "scam")


class Matcher:
    """Finds NEW_TERM in every transcript with "gift"; fails once after `fail_after`."""

    def __init__(self, fail_after: int | None = None) -> None:
        self.calls: list[tuple[datetime, tuple[str, ...]]] = []
        self.fail_after = fail_after

    async def match(
        self, words: Sequence[Word], capture_time: datetime, list_ids: Sequence[str] = ()
    ) -> list[TermHit]:
        if self.fail_after is not None and len(self.calls) == self.fail_after:
            self.fail_after = None
            raise ConnectionError("termmatch went away")
        self.calls.append((capture_time, tuple(list_ids)))
        return [NEW_TERM] if any(w.text == "gift" for w in words) else []


class MeetingMatcher(Matcher):
    """A replica's matcher whose first match waits (a while at most) until every other
    replica has matched too: however the machine schedules them, replicas that can scan
    at once do (each holds a slice while the others claim theirs)."""

    def __init__(self, arrived: list[asyncio.Event]) -> None:
        super().__init__()
        self.arrived = arrived
        self.mine = asyncio.Event()
        arrived.append(self.mine)

    async def match(
        self, words: Sequence[Word], capture_time: datetime, list_ids: Sequence[str] = ()
    ) -> list[TermHit]:
        if not self.mine.is_set():
            self.mine.set()
            async with asyncio.timeout(10):
                await asyncio.gather(*(other.wait() for other in self.arrived))
        return await super().match(words, capture_time, list_ids)


@pytest.fixture
def store(database_url: str) -> Iterator[CaseStore]:
    store = CaseStore(database_url, audit_key=AUDIT_KEY)
    yield store
    store.close()


def past_case(store: CaseStore, n: int, text: str, days_ago: int = 0) -> str:
    captured = CAPTURED - timedelta(days=days_ago)
    case, _ = store.submit(media(n), Source("account-1", f"content-{n}", captured))
    evidence = Evidence(transcript=transcript(text))
    store.record_outcome(case.case_id, evidence, DEFAULT_RULE_SET.decide(Facts(evidence)))
    return case.case_id


async def run(
    store: CaseStore, matcher: Matcher, dry_run: bool = False, since: datetime = CAPTURED
) -> Progress:
    last = None
    async for progress in backfill(
        store, matcher, "sample-scams", since - timedelta(days=1), "ops-1", dry_run, 1000
    ):
        last = progress
    assert last is not None
    assert last.done
    return last


async def test_a_dry_run_counts_and_creates_nothing(store: CaseStore) -> None:
    past_case(store, 1, "get your gift card")
    past_case(store, 2, "hello there")

    report = await run(store, Matcher(), dry_run=True)

    assert (report.total, report.scanned, report.matched, report.new_hits) == (2, 2, 1, 1)
    assert report.created == 0
    assert len(store.list_cases(None, 50)) == 2
    assert [e.action for e in store.audit_log()].count("backfill.started") == 0


async def test_a_scan_opens_one_case_per_item_through_the_rules(store: CaseStore) -> None:
    origin = past_case(store, 1, "get your gift card")
    past_case(store, 2, "hello there")
    matcher = Matcher()

    report = await run(store, matcher)

    assert (report.scanned, report.matched, report.created) == (2, 1, 1)
    [found] = [c for c in store.list_cases(None, 50) if c.retro_of == origin]
    assert found.status is CaseStatus.OPEN
    assert found.source == store.get(origin).source
    assert found.evidence is not None
    assert found.evidence.term_hits == (NEW_TERM,)
    assert "retroactive scan of list sample-scams" in found.statement
    assert "not transcribed again" in found.statement
    # Each item is matched with the list as it applied at its capture time.
    assert {call for call in matcher.calls} == {(CAPTURED, ("sample-scams",))}
    events = [e.action for e in store.audit_log()]
    assert events.count("case.backfilled") == 1
    assert events[-1] == "backfill.finished"


async def test_running_again_never_duplicates_a_case(store: CaseStore) -> None:
    past_case(store, 1, "get your gift card")

    await run(store, Matcher())
    again = await run(store, Matcher())

    assert (again.matched, again.created) == (1, 0)
    assert len(store.list_cases(None, 50)) == 2


async def test_hits_the_case_already_had_are_not_new(store: CaseStore) -> None:
    case, _ = store.submit(media(1), source())
    evidence = Evidence(transcript=transcript("get your gift card"), term_hits=(NEW_TERM,))
    store.record_outcome(case.case_id, evidence, DEFAULT_RULE_SET.decide(Facts(evidence)))

    report = await run(store, Matcher())

    assert (report.matched, report.created) == (0, 0)


async def test_a_run_cut_short_resumes_where_it_stopped(store: CaseStore) -> None:
    for n in range(1, 6):
        past_case(store, n, "get your gift card")
    failing = Matcher(fail_after=2)

    with pytest.raises(ConnectionError):
        await run(store, failing)
    resumed = await run(store, failing)

    assert resumed.total == 5
    assert (resumed.scanned, resumed.created) == (5, 5)
    assert len(failing.calls) == 5  # the two items done before the failure were not redone
    cases = store.list_cases(None, 50)
    assert len(cases) == 10
    assert len({c.retro_of for c in cases if c.retro_of}) == 5
    assert [e.action for e in store.audit_log()].count("backfill.started") == 1


async def test_only_content_captured_since_the_date_is_scanned(store: CaseStore) -> None:
    past_case(store, 1, "get your gift card", days_ago=0)
    past_case(store, 2, "get your gift card", days_ago=30)
    matcher = Matcher()

    report = await run(store, matcher)

    assert (report.total, report.created) == (1, 1)
    assert [capture for capture, _ in matcher.calls] == [CAPTURED]


# Several replicas (each its own store: its own connections) scanning one run


async def test_two_replicas_scanning_one_run_scan_each_item_once_and_finish_once(
    database_url: str, store: CaseStore
) -> None:
    for n in range(1, 41):
        past_case(store, n, "get your gift card" if n % 2 else "hello there")
    replicas = [CaseStore(database_url, audit_key=AUDIT_KEY) for _ in range(2)]
    arrived: list[asyncio.Event] = []
    matchers = [MeetingMatcher(arrived), MeetingMatcher(arrived)]
    try:
        reports = await asyncio.gather(
            *(run(replica, matcher) for replica, matcher in zip(replicas, matchers, strict=True))
        )
    finally:
        for replica in replicas:
            replica.close()

    assert sum(len(m.calls) for m in matchers) == 40  # every transcript matched once
    assert all(m.calls for m in matchers)  # both replicas took part
    assert {(r.scanned, r.matched, r.created) for r in reports} == {(40, 20, 20)}
    assert len([c for c in store.list_cases(None, 500) if c.retro_of]) == 20
    events = [e.action for e in store.audit_log()]
    assert events.count("backfill.started") == 1
    assert events.count("backfill.finished") == 1


async def test_a_slice_held_by_a_dead_replica_is_taken_over_after_its_lease(
    database_url: str, store: CaseStore
) -> None:
    for n in range(1, 21):
        past_case(store, n, "get your gift card")
    store.work_lease_seconds = 1
    started = store.backfill_run("sample-scams", CAPTURED - timedelta(days=1), "ops-1")
    dead = store.claim_backfill_slice(started.run_id, "replica-that-died")
    assert dead is not None

    report = await run(store, Matcher())

    assert (report.scanned, report.created) == (20, 20)
    assert [e.action for e in store.audit_log()].count("backfill.finished") == 1
    # The dead replica, were it to come back, may not write to the slice it lost.
    with pytest.raises(LeaseLost):
        store.finish_backfill_slice(dead, "replica-that-died")
