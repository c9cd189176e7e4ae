"""Periodic jobs a service runs while it serves (refreshing from a shared database,
reading gauges), written once: each job runs every `seconds`; a failed round is logged
and tried again next round, so a database hiccup never stops it; `stop` cancels them all
before the service closes what they use."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import structlog

log = structlog.get_logger("modmesh.background")


class Periodic:
    def __init__(self) -> None:
        self._tasks: list[asyncio.Task[None]] = []

    def every(self, seconds: float, job: Callable[[], Awaitable[object]], name: str) -> None:
        """Runs `job` every `seconds`, first after one interval; call on the serving loop."""
        self._tasks.append(asyncio.create_task(_repeat(seconds, job, name), name=name))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()


async def _repeat(seconds: float, job: Callable[[], Awaitable[object]], name: str) -> None:
    while True:
        await asyncio.sleep(seconds)
        try:
            await job()
        except Exception as error:  # noqa: BLE001 - one failed round must not stop the job
            log.warning("background job failed", job=name, error=str(error))
