"""Kills a random replica with SIGKILL every few seconds and starts it again on its port.

Services take turns in a seeded, shuffled order, so that a short run kills each kind a
few times; the replica of that service is picked at random among those running. A turn
that finds no replica of its service running (all still restarting) is taken again
later, so every kind gets its kills however quickly the work goes."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from bench.chaos.mesh import Mesh, MeshError, Replica

#: How long a killed replica stays down before it is started again.
DOWN_SECONDS = 1.0


@dataclass
class Killer:
    mesh: Mesh
    interval: float
    rng: random.Random
    say: Callable[[str], None]
    ready_timeout: float = 180.0
    kills: Counter[str] = field(default_factory=Counter)
    restart_failures: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    _restarts: list[threading.Thread] = field(default_factory=list)
    #: Replicas killed and not ready again yet: not killed twice in one outage.
    _down: set[str] = field(default_factory=set)

    def run(self) -> None:
        services = list(self.mesh.replicas)
        turn: list[str] = []
        while not self.stop.wait(self.interval):
            if not turn:
                turn = self.rng.sample(services, len(services))
            service = turn.pop()
            with self.mesh.lock:
                alive = [
                    r for r in self.mesh.replicas[service] if r.running and r.name not in self._down
                ]
                if not alive:
                    turn.insert(0, service)
                    continue
                victim = self.rng.choice(alive)
                victim.kill()
                self._down.add(victim.name)
            self.kills[service] += 1
            self.say(f"  killed {victim.name} (kill {sum(self.kills.values())})")
            restart = threading.Thread(target=self._restart, args=(victim,), daemon=True)
            restart.start()
            self._restarts.append(restart)

    def _restart(self, victim: Replica) -> None:
        time.sleep(DOWN_SECONDS)
        with self.mesh.lock:
            if self.mesh.closed:
                return
            victim.start()
        try:
            victim.wait_ready(self.ready_timeout)
        except MeshError as error:
            self.restart_failures.append(str(error))
        self._down.discard(victim.name)

    def wait_for_kills(self, each: int, timeout: float) -> None:
        """Waits until every service has been killed `each` times (or the timeout)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not self.stop.is_set():
            if all(self.kills[service] >= each for service in self.mesh.replicas):
                return
            time.sleep(0.2)

    def join_restarts(self, timeout: float) -> None:
        """Waits for every restarted replica to be ready (or to have failed)."""
        deadline = time.monotonic() + timeout
        for restart in self._restarts:
            restart.join(max(0.0, deadline - time.monotonic()))
