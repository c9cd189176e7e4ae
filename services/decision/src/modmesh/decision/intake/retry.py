"""When a case whose engine was unavailable is analysed again, and which engine
failures are worth waiting for at all."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

#: gRPC statuses of an engine that is down, restarting, overloaded or too slow: the
#: same request may well succeed later. Any other status (INVALID_ARGUMENT, NOT_FOUND,
#: INTERNAL…) would fail again, so the case fails at once.
TRANSIENT_CODES = frozenset({"UNAVAILABLE", "DEADLINE_EXCEEDED", "RESOURCE_EXHAUSTED"})


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter, capped, within a budget of time."""

    first_seconds: float = 5.0
    max_seconds: float = 300.0
    #: How long a case may keep retrying, counted from its first failure, before it FAILS.
    budget_seconds: float = 3600.0

    def delay(self, attempt: int, draw: Callable[[], float] = random.random) -> timedelta:
        """The wait before attempt number `attempt` + 1 (attempt counts from 1): doubled
        each time up to the cap, then drawn between half and all of it, so that the
        cases an engine outage failed together do not all come back at once."""
        ceiling = min(self.max_seconds, self.first_seconds * 2 ** min(attempt - 1, 32))
        return timedelta(seconds=ceiling * (0.5 + draw() / 2))
