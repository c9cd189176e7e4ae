"""Turns on the inference worker: live passes first, then short files, then the segments
of long files; nobody starves, and a caller that gives up leaves the queue."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import pytest

from modmesh.transcription.lanes import Lane, Lanes


async def take_turns(lanes: Lanes, asks: list[tuple[str, Lane]], served: list[str]) -> None:
    """Holds a turn while `asks` queue up in order, then lets them all run."""
    release = asyncio.Event()

    async def holder() -> None:
        async with lanes.turn(Lane.LONG):
            await release.wait()

    async def ask(name: str, lane: Lane) -> None:
        async with lanes.turn(lane):
            served.append(name)
            await asyncio.sleep(0)

    first = asyncio.create_task(holder())
    await asyncio.sleep(0)
    tasks = []
    for name, lane in asks:
        tasks.append(asyncio.create_task(ask(name, lane)))
        await asyncio.sleep(0)
    release.set()
    await asyncio.gather(first, *tasks)


def test_live_passes_go_first_then_short_files_then_long_segments_each_in_order() -> None:
    served: list[str] = []
    asks = [
        ("long-1", Lane.LONG),
        ("short-1", Lane.SHORT),
        ("long-2", Lane.LONG),
        ("live-1", Lane.LIVE),
        ("short-2", Lane.SHORT),
    ]
    asyncio.run(take_turns(Lanes(), asks, served))
    assert served == ["live-1", "short-1", "short-2", "long-1", "long-2"]


def test_a_long_segment_gets_a_turn_after_being_passed_over_max_skips_times() -> None:
    served: list[str] = []
    asks = [("long", Lane.LONG), *((f"short-{n}", Lane.SHORT) for n in range(5))]
    asyncio.run(take_turns(Lanes(max_skips=2), asks, served))
    assert served == ["short-0", "short-1", "long", "short-2", "short-3", "short-4"]


@dataclass
class Queued:
    """A holder of the worker and two callers queued behind it, "gave-up" then "stayed"."""

    release: asyncio.Event
    holder: asyncio.Task[None]
    gives_up: asyncio.Task[None]
    stays: asyncio.Task[None]


async def behind_a_holder(lanes: Lanes, lane: Lane, served: list[str]) -> Queued:
    release = asyncio.Event()

    async def holder() -> None:
        async with lanes.turn(Lane.LONG):
            await release.wait()

    async def ask(name: str) -> None:
        async with lanes.turn(lane):
            served.append(name)

    first = asyncio.create_task(holder())
    await asyncio.sleep(0)
    gives_up = asyncio.create_task(ask("gave-up"))
    stays = asyncio.create_task(ask("stayed"))
    await asyncio.sleep(0)
    return Queued(release, first, gives_up, stays)


def test_a_caller_cancelled_while_waiting_leaves_the_queue_and_the_next_is_served() -> None:
    async def scenario() -> list[str]:
        lanes = Lanes()
        served: list[str] = []
        queued = await behind_a_holder(lanes, Lane.SHORT, served)
        assert lanes.waiting(Lane.SHORT) == 2
        queued.gives_up.cancel()
        with pytest.raises(asyncio.CancelledError):
            await queued.gives_up
        assert lanes.waiting(Lane.SHORT) == 1
        queued.release.set()
        await asyncio.gather(queued.holder, queued.stays)
        return served

    assert asyncio.run(scenario()) == ["stayed"]


def test_a_turn_released_as_a_waiter_is_cancelled_goes_to_the_next_not_to_nobody() -> None:
    # Found by the chaos run: a decision replica killed mid-call cancels its Transcribe
    # calls, and the turn was handed to a waiter whose cancellation had not run yet; the
    # hand-over failed and the worker stayed taken with nobody on it, for good.
    async def scenario() -> list[str]:
        lanes = Lanes()
        served: list[str] = []
        queued = await behind_a_holder(lanes, Lane.LONG, served)
        # In one step of the loop: the holder is let go, then the waiter is cancelled;
        # the holder's turn ends before the cancelled waiter has run.
        queued.release.set()
        queued.gives_up.cancel()
        await asyncio.wait_for(asyncio.gather(queued.holder, queued.stays), timeout=5)
        with pytest.raises(asyncio.CancelledError):
            await queued.gives_up
        async with asyncio.timeout(5):
            async with lanes.turn(Lane.SHORT):  # and the worker is free afterwards
                served.append("after")
        return served

    assert asyncio.run(scenario()) == ["stayed", "after"]
