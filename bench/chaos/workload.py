"""Items through the gateways: each upload goes to the next gateway, is retried on
another while the gateways are down or busy (a retry of the same media and content id
finds the same case), and is followed to the end of its analysis in the database."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import cycle

import httpx
import sqlalchemy as sa

from bench.chaos.corpus import Item

#: Case statuses whose analysis is still to come.
PENDING = frozenset({"PROCESSING", "RETRYING"})
#: Case statuses of a finished analysis (FAILED is not one: its work was not done).
FINISHED = frozenset({"OPEN", "NO_EVIDENCE", "DISMISSED", "CLOSED"})
#: Answers after which the same upload is tried again (on the next gateway).
RETRIED_STATUS = frozenset({408, 429, 500, 502, 503, 504})
POLL_SECONDS = 0.25


@dataclass
class Tracked:
    """One item: when it was first sent, what the gateways answered, how its case ended."""

    item: Item
    sent_at: float | None = None
    case_ids: set[str] = field(default_factory=set)
    attempts: int = 0
    #: The last answer that was not an acceptance (kept for the report).
    last_error: str = ""
    #: Refused for good (a 4xx other than 408/429): the upload itself was unacceptable.
    refused: bool = False
    #: Never accepted within the submit budget although it was acceptable: lost.
    gave_up: bool = False
    status: str = ""
    error: str = ""
    #: When the poller first saw the case finished (FINISHED statuses only).
    finished_at: float | None = None
    settled: threading.Event = field(default_factory=threading.Event)
    #: Whether it still counts against the in-flight limit (see Submitter.item_timeout).
    holds_slot: bool = True

    @property
    def accepted(self) -> bool:
        return bool(self.case_ids)

    @property
    def seconds_to_case(self) -> float:
        """Submit to case finished; infinity for an item whose case never finished."""
        if self.sent_at is None or self.finished_at is None:
            return float("inf")
        return self.finished_at - self.sent_at


@dataclass
class Submitter:
    gateways: list[str]
    api_key: str
    database_url: str
    in_flight: int
    submit_budget_seconds: float
    #: An item unfinished this long after it was sent stops counting as in flight (it
    #: is stuck: lost, unless it finishes later), so that stuck cases cannot stall the
    #: load.
    item_timeout: float
    say: Callable[[str], None]
    tracked: list[Tracked] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)
    _slot_lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self, items: list[Item], rate: float) -> None:
        """Submits every item, at most `in_flight` unfinished at once (and at most `rate`
        per second when it is positive); returns when all are sent or refused."""
        self.tracked = [Tracked(item) for item in items]
        slots = threading.Semaphore(self.in_flight)
        poller = threading.Thread(target=self._poll, args=(slots,), daemon=True)
        poller.start()
        gateways = cycle(self.gateways)
        lock = threading.Lock()

        def next_gateway() -> str:
            with lock:
                return next(gateways)

        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=4, thread_name_prefix="submit") as pool:
            for n, tracked in enumerate(self.tracked):
                while not slots.acquire(timeout=1.0):
                    if self.stopping.is_set():
                        return
                if rate > 0:
                    time.sleep(max(0.0, started + n / rate - time.monotonic()))
                pool.submit(self._submit, tracked, next_gateway, slots)
                if (n + 1) % 20 == 0:
                    self.say(f"  submitted {n + 1}/{len(self.tracked)}")

    def _submit(
        self, tracked: Tracked, next_gateway: Callable[[], str], slots: threading.Semaphore
    ) -> None:
        tracked.sent_at = time.monotonic()
        deadline = tracked.sent_at + self.submit_budget_seconds
        item = tracked.item
        while time.monotonic() < deadline and not self.stopping.is_set():
            tracked.attempts += 1
            gateway = next_gateway()
            try:
                with item.path.open("rb") as media:
                    response = httpx.post(
                        f"{gateway}/v1/media",
                        data={"account_id": "chaos-account", "content_id": item.content_id},
                        files={"file": (item.path.name, media, item.mime)},
                        headers={"X-API-Key": self.api_key},
                        timeout=120,
                    )
            except httpx.HTTPError as error:
                tracked.last_error = f"{gateway}: {type(error).__name__}"
                time.sleep(0.5)
                continue
            if response.status_code == 202:
                tracked.case_ids.add(response.json()["case_id"])
                return
            tracked.last_error = f"{gateway}: HTTP {response.status_code} {response.text[:300]}"
            if response.status_code not in RETRIED_STATUS:
                tracked.refused = True
                break
            time.sleep(0.5)
        else:
            tracked.gave_up = True
        # Refused, or never accepted in time: its slot is free again.
        tracked.settled.set()
        self._free(tracked, slots)

    def _free(self, tracked: Tracked, slots: threading.Semaphore) -> None:
        """Gives the item's slot back, once (the submitter and the poller both may)."""
        with self._slot_lock:
            if not tracked.holds_slot:
                return
            tracked.holds_slot = False
        slots.release()

    def _poll(self, slots: threading.Semaphore) -> None:
        """Reads the status of every unsettled case from decision's tables: cheaper than
        asking the gateways, and it sees what the services wrote, not what they said."""
        engine = sa.create_engine(self.database_url, pool_size=1)
        query = sa.text("SELECT id, status, error FROM cases WHERE id = ANY(:ids)")
        try:
            while not self.stopping.is_set():
                waiting = {
                    case_id: tracked
                    for tracked in self.tracked
                    if tracked.accepted and not tracked.settled.is_set()
                    for case_id in tracked.case_ids
                }
                if waiting:
                    try:
                        with engine.connect() as connection:
                            rows = connection.execute(query, {"ids": list(waiting)}).all()
                    except sa.exc.OperationalError as error:
                        self.say(f"  poll failed ({error.orig}); trying again")
                        rows = []
                    for case_id, status, reason in rows:
                        tracked = waiting[case_id]
                        tracked.status, tracked.error = status, reason
                        if status in PENDING:
                            continue
                        if status in FINISHED:
                            tracked.finished_at = time.monotonic()
                        tracked.settled.set()
                        self._free(tracked, slots)
                self._free_stuck(slots)
                time.sleep(POLL_SECONDS)
        finally:
            engine.dispose()

    def _free_stuck(self, slots: threading.Semaphore) -> None:
        now = time.monotonic()
        for tracked in self.tracked:
            sent = tracked.sent_at
            if tracked.holds_slot and sent is not None and now - sent > self.item_timeout:
                if not tracked.settled.is_set():
                    state = tracked.status or "not accepted"
                    name = tracked.item.content_id
                    self.say(f"  {name} unfinished after {self.item_timeout:g}s ({state})")
                self._free(tracked, slots)

    def wait_settled(self, timeout: float) -> bool:
        """Waits until every item is settled (case finished, failed, or refused)."""
        deadline = time.monotonic() + timeout
        for tracked in self.tracked:
            if not tracked.settled.wait(timeout=max(0.0, deadline - time.monotonic())):
                return False
        return True
