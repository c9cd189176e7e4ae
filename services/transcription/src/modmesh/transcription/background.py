"""The background worker: one daemon thread at the lowest CPU priority.

Long files' segments run here (core.py). Nice 19 is per thread on Linux and inherited by
the threads a model loaded here starts, so a segment uses only the CPU the foreground
leaves idle, however long it takes. That is also why the thread is a daemon: a segment
in progress at shutdown (its caller already gone, or cancelled by the drain) may be
starved for a long while, and the process must not wait for it to exit; it is
abandoned with the process, which loses nothing (the caller retries the item).
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any, TypeVar

T = TypeVar("T")
#: The lowest priority a thread can take.
BACKGROUND_NICE = 19


class BackgroundWorker(Executor):
    """A one-thread executor whose thread runs at nice 19 and never holds up exit."""

    def __init__(self, name: str) -> None:
        self._jobs: queue.SimpleQueue[tuple[Future[Any], Callable[[], Any]] | None] = (
            queue.SimpleQueue()
        )
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        future: Future[T] = Future()
        self._jobs.put((future, lambda: fn(*args, **kwargs)))
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Stops taking jobs; never waits for the one in progress (see the module)."""
        self._jobs.put(None)

    def _run(self) -> None:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), BACKGROUND_NICE)
        while (job := self._jobs.get()) is not None:
            future, work = job
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(work())
            except Exception as error:  # noqa: BLE001 - handed to the caller, as an executor does
                future.set_exception(error)
