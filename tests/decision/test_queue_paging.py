"""The review queue and the case list a page at a time, on both databases: every case
once, in order, whatever arrives between pages; filtered by category, list, language and
source, with the count of all that match; within the caller's scope on every page."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, text

from modmesh.contracts.evidence import Severity, TimeRange, UntranscribedSpeech, Word
from modmesh.decision import paging
from modmesh.decision.backfill.scan import backfill
from modmesh.decision.compose import SqlStore as CaseStore
from modmesh.decision.domain import (
    EVERY_CASE,
    Case,
    CaseFilter,
    CaseSource,
    CaseStatus,
    Evidence,
    Queue,
    Reviewer,
    TermHit,
)
from modmesh.decision.policy.conditions import Facts
from modmesh.decision.policy.document import DEFAULT_RULE_SET
from modmesh.decision.tables import CaseRow
from modmesh.runtime.errors import InvalidArgument
from modmesh.runtime.tenancy import UNRESTRICTED, CaseScope
from tests.decision.examples import CAPTURED, media, source, term_hit, transcript
from tests.support import AUDIT_KEY

SEVERITIES = (Severity.LOW, Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL)
#: More pages than any test here has cases.
MAX_PAGES = 500


class Clock:
    """Stands still until told to move, so that several cases share a creation time."""

    def __init__(self) -> None:
        self.now = CAPTURED

    def __call__(self) -> datetime:
        return self.now

    def tick(self) -> None:
        self.now += timedelta(seconds=1)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(database_url: str, clock: Clock) -> Iterator[CaseStore]:
    store = CaseStore(database_url, clock=clock, audit_key=AUDIT_KEY)
    for reviewer in (
        Reviewer("anyone"),
        Reviewer("french-reader", languages=frozenset({"fr"})),
        Reviewer("spam-judge", categories=frozenset({"spam"})),
        Reviewer("other-reviewer"),
    ):
        store.put_reviewer(reviewer, "admin-1", "onboarding")
    yield store
    store.close()


def hit(
    category: str = "scam", list_id: str = "sample-scams", severity: Severity = Severity.HIGH
) -> TermHit:
    return replace(term_hit(severity=severity, category=category), list_id=list_id)


def open_case(
    store: CaseStore,
    n: int,
    *hits: TermHit,
    account: str = "account-1",
    language: str = "en",
    tenant: str = "",
    speech: Sequence[str] = (),
) -> str:
    """An OPEN case as the pipeline leaves it; `speech` names languages heard but not
    transcribed."""
    case, _ = store.submit(media(n), source(account, f"content-{n}"), tenant)
    heard = tuple(UntranscribedSpeech(lang, 0.9, TimeRange(10.0, 20.0)) for lang in speech)
    said = replace(transcript(language=language), untranscribed=heard)
    evidence = Evidence(transcript=said, term_hits=hits or (hit(),))
    store.record_outcome(case.case_id, evidence, DEFAULT_RULE_SET.decide(Facts(evidence)))
    return case.case_id


def queue_order(cases: Sequence[Case]) -> list[str]:
    """The queue's order, worked out independently: most urgent, oldest, then by id."""
    ordered = sorted(cases, key=lambda c: (-int(c.priority or 0), c.created_at, c.case_id))
    return [case.case_id for case in ordered]


def queue_pages(
    store: CaseStore,
    reviewer: str,
    limit: int,
    wanted: CaseFilter = EVERY_CASE,
    scope: CaseScope = UNRESTRICTED,
) -> Iterator[list[str]]:
    """The queue page by page, as ListQueue reads it: one case more than the page, and
    the next page from the token of this one. A cursor that went back would page for
    ever: past a page per case, that is a failure."""
    token = ""
    for _ in range(MAX_PAGES):
        after = paging.cursor_from(token, paging.Order.QUEUE)
        read = store.review_queue(reviewer, Queue.GENERAL, limit + 1, scope, wanted, after)
        page, token = paging.split_page(read, limit, paging.Order.QUEUE)
        yield [case.case_id for case in page]
        if not token:
            return
    pytest.fail("the queue's pages never ended")


def visited(
    store: CaseStore,
    reviewer: str,
    limit: int,
    wanted: CaseFilter = EVERY_CASE,
    scope: CaseScope = UNRESTRICTED,
) -> list[str]:
    return [
        case_id for page in queue_pages(store, reviewer, limit, wanted, scope) for case_id in page
    ]


# Paging


def test_paging_visits_every_open_case_exactly_once_in_queue_order(
    store: CaseStore, clock: Clock
) -> None:
    opened = []
    for n in range(240):
        if n % 3 == 0:
            clock.tick()  # three cases at a time share a creation time: the id decides
        opened.append(open_case(store, n, hit(severity=SEVERITIES[n * 7 % 4])))

    pages = list(queue_pages(store, "anyone", limit=7))

    every = [case_id for page in pages for case_id in page]
    assert every == queue_order([store.get(case_id) for case_id in opened])
    assert len(set(every)) == len(opened) == 240
    assert [len(page) for page in pages] == [7] * 34 + [2]
    assert store.queue_size("anyone", Queue.GENERAL, UNRESTRICTED, EVERY_CASE) == 240


def test_a_last_page_that_fills_up_says_no_page_follows(store: CaseStore) -> None:
    for n in range(6):
        open_case(store, n)

    assert [len(page) for page in queue_pages(store, "anyone", limit=3)] == [3, 3]


def test_cases_that_arrive_or_leave_between_pages_shift_nothing(
    store: CaseStore, clock: Clock
) -> None:
    for n in range(10):
        clock.tick()
        open_case(store, n)
    order = visited(store, "anyone", 100)
    pages = queue_pages(store, "anyone", limit=4)
    first = next(pages)

    # An urgent case arrives (ahead of the cursor) and the next page's first case is
    # claimed: an offset would now repeat the first page's last case and skip one.
    clock.tick()
    open_case(store, 99, hit(severity=Severity.CRITICAL))
    store.claim(order[4], "other-reviewer", 600)
    rest = [case_id for page in pages for case_id in page]

    assert first == order[:4]
    assert rest == order[5:]


def test_a_page_is_read_from_the_cursor_in_the_queue_index(
    store: CaseStore, database_url: str
) -> None:
    case_id = open_case(store, 1)
    cursor = paging.cursor_after(store.get(case_id), paging.Order.QUEUE)
    query = (
        select(CaseRow.id)
        .where(CaseRow.status == CaseStatus.OPEN.value, paging.after(cursor))
        .order_by(*paging.order_by(paging.Order.QUEUE))
        .limit(50)
    )
    engine = store._engine
    with engine.connect() as connection:
        sql = str(query.compile(engine, compile_kwargs={"literal_binds": True}))
        if engine.dialect.name == "postgresql":
            # Any table this small is read whole; ask whether the index can serve it.
            connection.execute(text("SET enable_seqscan = off"))
            plan = " ".join(row[0] for row in connection.execute(text(f"EXPLAIN {sql}")))
            assert "ix_cases_queue" in plan, plan
            assert "priority <= " in plan.split("Index Cond:")[1], plan
        else:
            plan = " ".join(row[3] for row in connection.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
            assert "USING INDEX ix_cases_queue (status=? AND priority<" in plan, plan


def test_no_token_is_the_first_page() -> None:
    assert paging.cursor_from("", paging.Order.QUEUE) is None


@pytest.mark.parametrize(
    "token",
    ["not-base64!", "bm90IGpzb24", "W10", "eyJvIjoicXVldWUifQ", "eyJvIjoieCJ9"],
    ids=["garbage", "not-json", "a-list", "fields-missing", "an-unknown-order"],
)
def test_a_token_this_service_did_not_give_out_is_refused_saying_what_to_pass(
    token: str,
) -> None:
    with pytest.raises(InvalidArgument, match="page_token is not a token this list gave out"):
        paging.cursor_from(token, paging.Order.QUEUE)


def test_a_token_of_a_listing_in_another_order_is_refused(store: CaseStore) -> None:
    cursor = paging.cursor_after(store.get(open_case(store, 1)), paging.Order.NEWEST)
    token = paging.page_token(cursor)

    assert paging.cursor_from(token, paging.Order.NEWEST) == cursor
    with pytest.raises(InvalidArgument, match="in the newest order, not this one"):
        paging.cursor_from(token, paging.Order.QUEUE)


# Filters, and the count of what matches


def test_the_queue_is_filtered_by_category_list_and_language_and_counted(
    store: CaseStore,
) -> None:
    scam = open_case(store, 1, hit("scam", "sample-scams"))
    spam = open_case(store, 2, hit("spam", "spam-list"))
    both = open_case(store, 3, hit("scam", "sample-scams"), hit("spam", "spam-list"))
    french = open_case(store, 4, hit("scam", "sample-scams"), language="fr")
    spanish_heard = open_case(store, 5, hit("scam", "sample-scams"), speech=["es"])

    def listed(kept: CaseFilter) -> tuple[set[str], int]:
        total = store.queue_size("anyone", Queue.GENERAL, UNRESTRICTED, kept)
        return set(visited(store, "anyone", 2, wanted=kept)), total

    assert listed(CaseFilter(category="spam")) == ({spam, both}, 2)
    assert listed(CaseFilter(list_id="sample-scams")) == ({scam, both, french, spanish_heard}, 4)
    assert listed(CaseFilter(category="spam", list_id="sample-scams")) == ({both}, 1)
    assert listed(CaseFilter(language="fr")) == ({french}, 1)
    # Speech the recogniser did not transcribe counts as the case's language too.
    assert listed(CaseFilter(language="es")) == ({spanish_heard}, 1)
    assert listed(CaseFilter(category="hate")) == (set(), 0)


def test_the_reviewers_skills_still_apply_under_the_filters_and_in_the_count(
    store: CaseStore,
) -> None:
    open_case(store, 1, hit("scam"), language="fr")
    french_spam = open_case(store, 2, hit("spam"), language="fr")
    open_case(store, 3, hit("spam"), language="en")

    assert visited(store, "french-reader", 10, wanted=CaseFilter(category="spam")) == [french_spam]
    count = store.queue_size(
        "french-reader", Queue.GENERAL, UNRESTRICTED, CaseFilter(category="spam")
    )
    assert count == 1
    assert store.queue_size("spam-judge", Queue.GENERAL, UNRESTRICTED, EVERY_CASE) == 2


class OneHitMatcher:
    """A backfill's matcher that finds a new list's term in every transcript with words."""

    async def match(
        self, words: Sequence[Word], capture_time: datetime, list_ids: Sequence[str] = ()
    ) -> list[TermHit]:
        return [hit("scam", "new-list")] if words else []


def test_the_queue_is_filtered_by_where_the_media_came_from(store: CaseStore, clock: Clock) -> None:
    recorded = open_case(store, 1)
    store.open_stream("stream-1", "streamer-1", CAPTURED, 0.0, "call-1")
    [flag], _, live = store.record_live_update(
        "stream-1", "call-1", [(hit(), ())], 5.0, DEFAULT_RULE_SET
    )
    since = CAPTURED - timedelta(days=1)
    clock.tick()  # a backfill scans the cases created before it started

    async def scan() -> None:
        async for _ in backfill(store, OneHitMatcher(), "new-list", since, "ops", False, 1000):
            pass

    asyncio.run(scan())
    [found] = [
        case_id for case_id in visited(store, "anyone", 10) if case_id not in (recorded, live)
    ]

    def from_source(kind: CaseSource) -> list[str]:
        return visited(store, "anyone", 10, wanted=CaseFilter(source=kind))

    assert flag.case_id == live
    assert from_source(CaseSource.RECORDED) == [recorded]
    assert from_source(CaseSource.LIVE) == [live]
    assert from_source(CaseSource.BACKFILL) == [found]
    assert store.get(found).retro_of == recorded


# Scope: on every page, in every filter and in the count


def test_a_service_pages_through_its_own_cases_only_and_counts_only_them(
    store: CaseStore,
) -> None:
    own = [open_case(store, n, tenant="platform-a") for n in range(5)]
    others = [open_case(store, 10 + n, tenant="platform-b") for n in range(5)]
    platform_a = CaseScope("platform-a", frozenset({"platform-a"}))
    scam = CaseFilter(category="scam", list_id="sample-scams")

    listed = visited(store, "anyone", 2, wanted=scam, scope=platform_a)

    assert sorted(listed) == sorted(own)
    assert store.queue_size("anyone", Queue.GENERAL, platform_a, scam) == 5
    cases = store.list_cases(CaseStatus.OPEN, 50, platform_a, CaseFilter(account_id="account-1"))
    assert {case.case_id for case in cases} == set(own)
    assert not {case.case_id for case in cases} & set(others)


def test_an_appellant_lists_only_its_accounts_cases_whichever_account_it_names(
    store: CaseStore,
) -> None:
    mine = open_case(store, 1, account="acct-a")
    theirs = open_case(store, 2, account="acct-b")
    acct_a = CaseScope("", None, "acct-a")

    def listed(account_id: str) -> list[str]:
        wanted = CaseFilter(account_id=account_id)
        return [case.case_id for case in store.list_cases(None, 50, acct_a, wanted)]

    assert listed("") == [mine]
    assert listed("acct-a") == [mine]
    assert listed("acct-b") == []
    assert theirs in [case.case_id for case in store.list_cases(None, 50)]


# The case list: an account's earlier cases, newest first, a page at a time


def test_an_accounts_cases_are_paged_newest_first_each_once(store: CaseStore, clock: Clock) -> None:
    accounts = []
    for n in range(60):
        if n % 4 == 0:
            clock.tick()
        account = "repeat" if n % 2 else "other"
        accounts.append((open_case(store, n, account=account), account))
    wanted = CaseFilter(account_id="repeat")
    expected = sorted(
        (store.get(case_id) for case_id, account in accounts if account == "repeat"),
        key=lambda case: (case.created_at, case.case_id),
        reverse=True,
    )

    seen: list[str] = []
    token = ""
    for _ in range(MAX_PAGES):
        after = paging.cursor_from(token, paging.Order.NEWEST)
        read = store.list_cases(None, 8, UNRESTRICTED, wanted, after)
        page, token = paging.split_page(read, 7, paging.Order.NEWEST)
        seen += [case.case_id for case in page]
        if not token:
            break

    assert seen == [case.case_id for case in expected]
    assert len(seen) == 30
