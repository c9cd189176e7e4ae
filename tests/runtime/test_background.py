"""Periodic jobs keep running through failed rounds and stop when asked."""

import asyncio

from modmesh.runtime.background import Periodic


async def test_a_failed_round_is_tried_again_and_stop_ends_the_job() -> None:
    rounds: list[int] = []
    third_round = asyncio.Event()

    async def flaky() -> None:
        rounds.append(len(rounds))
        if len(rounds) == 3:
            third_round.set()
        if len(rounds) == 1:
            raise ConnectionError("database restarting")

    background = Periodic()
    background.every(0.01, flaky, "flaky job")
    await third_round.wait()
    await background.stop()
    stopped_at = len(rounds)
    await asyncio.sleep(0.05)
    assert len(rounds) == stopped_at, "no round runs after stop"
