"""Retroactive scans: when a list gains terms, match the stored transcripts of past
content against it again, each as the list applied at the item's capture time.

Nothing is transcribed again: the words stored with each case are sent to termmatch.
A dry run only counts. A real run is cut into slices; a scan leases one slice at a time
and keeps the slice's cursor in the database, moved in the same transaction as each case
it creates, so a run stopped at any point (a crash, Ctrl-C) resumes where it stopped and
never creates a case twice. Several scans of one run (on several replicas, or a client
that retried) share its slices; a scan whose replica died loses its slice when the lease
expires, and whichever scan is still running takes it over. The run is finished once,
by the scan that finds every slice done. Calls to termmatch are rate-limited so a scan
does not starve live moderation.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

import structlog

from modmesh.contracts.evidence import Word
from modmesh.decision.backfill.slices import BackfillSlice
from modmesh.decision.backfill.store import BackfillItem, BackfillStore
from modmesh.decision.domain import Evidence, TermHit
from modmesh.decision.policy.conditions import Facts
from modmesh.decision.policy.rule_set import Decision
from modmesh.decision.store import utc_now
from modmesh.runtime.leases import LeaseLost, replica_id

log = structlog.get_logger()

#: Cases read from the database at a time.
BATCH = 100


class ListMatcher(Protocol):
    async def match(
        self, words: Sequence[Word], capture_time: datetime, list_ids: Sequence[str] = ()
    ) -> list[TermHit]: ...


@dataclass(frozen=True)
class Progress:
    total: int
    scanned: int
    #: Items in which the scan found hits their case did not have.
    matched: int
    new_hits: int
    created: int
    done: bool
    resumed: bool
    run_id: str = ""


def _key(hit: TermHit) -> tuple[str, str, int, int]:
    return (hit.list_id, hit.term_id, hit.span_start, hit.span_end)


def new_hits(item: BackfillItem, hits: Sequence[TermHit]) -> list[TermHit]:
    known = {_key(hit) for hit in item.evidence.term_hits}
    return [hit for hit in hits if _key(hit) not in known]


class RateLimit:
    """At most `per_second` calls a second, spaced evenly."""

    def __init__(self, per_second: float) -> None:
        self._interval = 1.0 / per_second
        self._next = time.monotonic()

    async def wait(self) -> None:
        now = time.monotonic()
        if self._next > now:
            await asyncio.sleep(self._next - now)
        self._next = max(now, self._next) + self._interval


async def backfill(
    store: BackfillStore,
    matcher: ListMatcher,
    list_id: str,
    since: datetime,
    actor: str,
    dry_run: bool,
    per_second: float,
    wait_seconds: float = 1.0,
) -> AsyncIterator[Progress]:
    """Scans, yielding progress after every item and once more when done. While the
    slices left are held by other scans, checks every `wait_seconds` whether they are
    done or their lease expired."""
    limit = RateLimit(per_second)
    if dry_run:
        until = utc_now()
        total = await asyncio.to_thread(store.count_backfill_items, since, until)
        scanned = matched = hits = 0
        async for _, found in _items(store, matcher, limit, list_id, since, until, None):
            scanned += 1
            matched += found is not None
            hits += 0 if found is None else len(found[0].term_hits)
            yield Progress(total, scanned, matched, hits, 0, False, False)
        yield Progress(total, scanned, matched, hits, 0, True, False)
        return
    run = await asyncio.to_thread(store.backfill_run, list_id, since, actor)
    total = await asyncio.to_thread(store.count_backfill_items, since, run.until)
    holder = f"{replica_id()}/{uuid.uuid4().hex[:8]}"  # this scan, among others of the run
    hits = 0
    while (part := await asyncio.to_thread(store.claim_backfill_slice, run.run_id, holder)) or (
        (finished := await asyncio.to_thread(store.finish_backfill, run.run_id)) is None
    ):
        if part is None:
            await asyncio.sleep(wait_seconds)  # other scans hold the rest
            continue
        try:
            async for item, found in _items(store, matcher, limit, list_id, since, run.until, part):
                tally = await asyncio.to_thread(
                    store.record_backfill_item, part, holder, item, found
                )
                hits += 0 if found is None else len(found[0].term_hits)
                yield Progress(
                    total,
                    tally.scanned,
                    tally.matched,
                    hits,
                    tally.created,
                    False,
                    run.resumed,
                    run.run_id,
                )
            await asyncio.to_thread(store.finish_backfill_slice, part, holder)
        except LeaseLost:
            log.warning("backfill slice taken over", run_id=run.run_id, prefix=part.prefix)
        except BaseException:
            # Given back at once, so a retried scan need not wait for the lease to expire.
            await asyncio.to_thread(store.release_backfill_slice, run.run_id, part.prefix, holder)
            raise
    yield Progress(
        total,
        finished.scanned,
        finished.matched,
        hits,
        finished.created,
        True,
        run.resumed,
        run.run_id,
    )


async def _items(
    store: BackfillStore,
    matcher: ListMatcher,
    limit: RateLimit,
    list_id: str,
    since: datetime,
    until: datetime,
    part: BackfillSlice | None,
) -> AsyncIterator[tuple[BackfillItem, tuple[Evidence, Decision] | None]]:
    """The items of one slice (or, with none, of all), each with what the scan found."""
    cursor = None if part is None else part.cursor
    prefix = "" if part is None else part.prefix
    while True:
        items = await asyncio.to_thread(store.backfill_items, since, until, cursor, BATCH, prefix)
        for item in items:
            yield item, await _scan(store, matcher, limit, list_id, item)
            cursor = (item.created_at, item.case_id)
        if len(items) < BATCH:
            return


async def _scan(
    store: BackfillStore, matcher: ListMatcher, limit: RateLimit, list_id: str, item: BackfillItem
) -> tuple[Evidence, Decision] | None:
    transcript = item.evidence.transcript
    if transcript is None or not transcript.words:
        return None
    await limit.wait()
    hits = new_hits(item, await matcher.match(transcript.words, item.capture_time, [list_id]))
    if not hits:
        return None
    evidence = Evidence(transcript=transcript, term_hits=tuple(hits))
    rules = (await asyncio.to_thread(store.active_rules)).rule_set
    account = await asyncio.to_thread(store.account, item.account_id)
    decision = rules.decide(Facts(evidence, account.flags, account.protected))
    note = (
        f"Found by a retroactive scan of list {list_id} in the stored transcript of case "
        f"{item.case_id} (not transcribed again), with the list as it applied at the "
        f"capture time {item.capture_time.isoformat()}.\n"
    )
    outcome = replace(decision.outcome, statement=note + decision.outcome.statement)
    return evidence, replace(decision, outcome=outcome)
