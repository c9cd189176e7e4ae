"""Turns on an inference worker, by lane: live passes first, then short files, then the
segments of long files.

A model runs one call at a time, so fairness is about who gets the next turn. A turn
is short by construction: a live pass hears at most a few seconds, a short file is at
most a minute, and a long file asks for one turn per segment and queues again behind
everything that arrived meanwhile. Within a lane turns go in the order asked (two long
files alternate segment by segment). So that a steady stream of work in one lane cannot
starve another, a waiting lane passed over `max_skips` times in a row gets the next
turn. (core.py gives long files a worker of their own at low CPU priority, so that a
short item never waits even for one of their segments; this order still rules each
worker's queue.)

Plain asyncio; knows nothing of gRPC or the model.
"""

from __future__ import annotations

import asyncio
import enum
import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class Lane(enum.IntEnum):
    """Lower values are served first."""

    LIVE = 0
    SHORT = 1
    LONG = 2


class Lanes:
    """Not thread-safe: used on the event loop only."""

    def __init__(self, max_skips: int = 4) -> None:
        self._max_skips = max_skips
        self._busy = False
        self._order = itertools.count()
        #: Waiters by lane, oldest first: (arrival, future resolved when it is their turn).
        self._waiting: dict[Lane, list[tuple[int, asyncio.Future[None]]]] = {
            lane: [] for lane in Lane
        }
        self._skips = dict.fromkeys(Lane, 0)

    def waiting(self, lane: Lane) -> int:
        return len(self._waiting[lane])

    @asynccontextmanager
    async def turn(self, lane: Lane) -> AsyncIterator[None]:
        """Holds the worker for one turn in `lane`. A caller cancelled while it waits
        leaves the queue; one cancelled while it holds the turn passes it on."""
        if self._busy or any(self._waiting.values()):
            granted: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            entry = (next(self._order), granted)
            self._waiting[lane].append(entry)
            try:
                await granted
            except asyncio.CancelledError:
                if entry in self._waiting[lane]:
                    self._waiting[lane].remove(entry)
                elif granted.done() and not granted.cancelled():
                    self._release()  # granted just as it was cancelled: pass it on
                raise
        self._busy = True
        try:
            yield
        finally:
            self._release()

    def _release(self) -> None:
        self._busy = False
        while waiting := [lane for lane in Lane if self._waiting[lane]]:
            starved = [lane for lane in waiting if self._skips[lane] >= self._max_skips]
            chosen = starved[0] if starved else waiting[0]
            _, granted = self._waiting[chosen].pop(0)
            if granted.done():
                # Its caller was cancelled and has not yet left the queue (cancelling a
                # task cancels the future it awaits at once): the turn goes on.
                continue
            for lane in waiting:
                self._skips[lane] = 0 if lane == chosen else self._skips[lane] + 1
            self._busy = True  # held for the chosen waiter until it resumes
            granted.set_result(None)
            return
