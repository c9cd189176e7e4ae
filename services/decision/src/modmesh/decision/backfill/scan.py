"""Retroactive scans: when a list gains terms, match the stored transcripts of past
content against it again, each as the list applied at the item's capture time.

Nothing is transcribed again: the words stored with each case are sent to termmatch.
A dry run only counts. A real run keeps its cursor in the database, moved in the same
transaction as each case it creates, so a run stopped at any point (a crash, Ctrl-C)
resumes where it stopped and never creates a case twice. Calls to termmatch are
rate-limited so a scan does not starve live moderation.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

from modmesh.contracts.evidence import Word
from modmesh.decision.backfill.store import BackfillItem, BackfillStore
from modmesh.decision.domain import Evidence, TermHit
from modmesh.decision.policy.conditions import Facts
from modmesh.decision.policy.rule_set import Decision
from modmesh.decision.store import utc_now

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
) -> AsyncIterator[Progress]:
    """Scans, yielding progress after every item and once more when done."""
    if dry_run:
        run_id, until, cursor, resumed = "", utc_now(), None, False
        scanned = matched = created = 0
    else:
        run = await asyncio.to_thread(store.backfill_run, list_id, since, actor)
        run_id, until, cursor, resumed = run.run_id, run.until, run.cursor, run.resumed
        scanned, matched, created = run.scanned, run.matched, run.created
    total = await asyncio.to_thread(store.count_backfill_items, since, until)
    hits_found = 0
    limit = RateLimit(per_second)
    while True:
        items = await asyncio.to_thread(store.backfill_items, since, until, cursor, BATCH)
        for item in items:
            found = await _scan(store, matcher, limit, list_id, item)
            scanned += 1
            if found is not None:
                matched += 1
                hits_found += len(found[0].term_hits)
            if not dry_run and await asyncio.to_thread(
                store.record_backfill_item, run_id, item, found
            ):
                created += 1
            cursor = (item.created_at, item.case_id)
            yield Progress(total, scanned, matched, hits_found, created, False, resumed, run_id)
        if len(items) < BATCH:
            break
    if not dry_run:
        await asyncio.to_thread(store.finish_backfill, run_id)
    yield Progress(total, scanned, matched, hits_found, created, True, resumed, run_id)


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
