"""A live stream's backlog: flow control, and lag as time behind the live edge."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from modmesh.runtime.errors import InvalidArgument
from modmesh.runtime.media import AUDIO_SAMPLE_RATE
from modmesh.transcription.backlog import Backlog


class Clock:
    """Time that passes only when a test says so."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def audio(seconds: float) -> np.ndarray:
    return np.zeros(round(seconds * AUDIO_SAMPLE_RATE), np.float32)


def backlog(clock: Clock) -> Backlog:
    return Backlog(limit_seconds=3.0, step_seconds=0.5, clock=clock)


async def live(pending: Backlog, clock: Clock, seconds: float) -> None:
    """A real-time client sends `seconds` of audio in 100 ms chunks."""
    for _ in range(round(seconds * 10)):
        clock.now += 0.1
        await pending.put(audio(0.1))


async def a_pass(pending: Backlog, clock: Clock, cost: float) -> None:
    taken = pending.take()
    clock.now += cost
    pending.heard(len(taken))


async def test_a_stream_whose_passes_keep_up_does_not_lag() -> None:
    clock = Clock()
    pending = backlog(clock)
    for _ in range(20):
        await live(pending, clock, 0.5)
        await a_pass(pending, clock, 0.2)

    assert pending.lag_seconds() < 0.5


async def test_a_client_that_pauses_on_its_own_is_not_lagging() -> None:
    clock = Clock()
    pending = backlog(clock)
    await live(pending, clock, 1.0)
    await a_pass(pending, clock, 0.2)

    clock.now += 30.0  # the broadcaster is silent: it sends nothing

    assert pending.lag_seconds() < 0.5


async def test_a_stream_whose_passes_fall_behind_lags_by_the_wall_time_lost() -> None:
    clock = Clock()
    pending = backlog(clock)
    await live(pending, clock, 1.0)
    await a_pass(pending, clock, 0.2)
    await live(pending, clock, 2.0)

    clock.now += 8.0  # the stream waits for the recogniser; its client is held back

    assert pending.lag_seconds() == pytest.approx(10.0, abs=0.3)


async def test_a_client_far_ahead_of_real_time_is_held_back_and_never_lagging() -> None:
    clock = Clock()
    pending = backlog(clock)
    sender = asyncio.create_task(pending.put(audio(4.0)))
    await sender
    blocked = asyncio.create_task(pending.put(audio(1.0)))
    await asyncio.sleep(0)

    assert not blocked.done()  # over the limit: the reader waits, gRPC holds the client
    clock.now += 60.0
    assert pending.lag_seconds() == 0.0
    await a_pass(pending, clock, 1.0)
    await blocked
    assert pending.pending_seconds == pytest.approx(1.0)


async def test_a_pass_is_due_with_a_step_of_audio_and_the_end_or_bad_input_ends_it() -> None:
    clock = Clock()
    pending = backlog(clock)
    await pending.put(audio(0.6))
    assert await pending.wait_for_pass()

    pending.end()
    assert not await pending.wait_for_pass()

    refused = backlog(clock)
    refused.end(InvalidArgument("bad chunk"))
    with pytest.raises(InvalidArgument, match="bad chunk"):
        await refused.wait_for_pass()
