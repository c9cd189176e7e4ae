"""A platform's webhook endpoint as our tests (and the chaos harness) run it: it acts on
each delivery once, deduplicating by the Idempotency-Key header as a real receiver must,
and counts what it was sent more than once and what arrived while the same key was
still being handled (two senders at once: what leases forbid). Given the webhook's
secret, it refuses (401) and counts deliveries whose signature does not check.

`hold_next()` makes the next request wait until `release()`, so a test can kill the
sender mid-delivery.
"""

from __future__ import annotations

import hmac
import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from modmesh.decision.actions.adapters import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign

IDEMPOTENCY_HEADER = "Idempotency-Key"


@dataclass
class WebhookReceiver:
    url: str = ""
    #: Seconds each request takes to answer.
    delay_seconds: float = 0.0
    #: Each key's payload, acted on once (the first time it arrived).
    acted: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: How often each key arrived, duplicates included.
    arrivals: Counter[str] = field(default_factory=Counter)
    #: Keys that arrived while a request with the same key was still being handled.
    concurrent: list[str] = field(default_factory=list)
    #: Deliveries refused for a signature that did not check (with a secret only).
    bad_signatures: int = 0
    held: threading.Event = field(default_factory=threading.Event)
    #: The key of the request `hold_next` held.
    held_key: str = ""
    _hold: bool = False
    _release: threading.Event = field(default_factory=threading.Event)
    _in_flight: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def duplicates(self) -> int:
        """Requests beyond the first per key: sent again, deduplicated here."""
        return sum(self.sent_again.values())

    @property
    def sent_again(self) -> dict[str, int]:
        """The keys that arrived more than once, with their extra arrivals."""
        return {key: count - 1 for key, count in self.arrivals.items() if count > 1}

    def hold_next(self) -> None:
        self._hold, self._release = True, threading.Event()
        self.held.clear()

    def release(self) -> None:
        self._release.set()

    def wait_for(self, count: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while len(self.acted) < count:
            assert time.monotonic() < deadline, (
                f"{len(self.acted)} of {count} deliveries arrived in {timeout:g} s"
            )
            time.sleep(0.1)

    def refuse_signature(self) -> None:
        with self._lock:
            self.bad_signatures += 1

    def receive(self, key: str, body: bytes) -> None:
        with self._lock:
            if self._in_flight[key]:
                self.concurrent.append(key)
            self._in_flight[key] += 1
            self.arrivals[key] += 1
            self.acted.setdefault(key, json.loads(body))
            hold, self._hold = self._hold, False
        try:
            if hold:
                self.held_key = key
                self.held.set()
                self._release.wait(60)
            time.sleep(self.delay_seconds)
        finally:
            with self._lock:
                self._in_flight[key] -= 1


@contextmanager
def webhook_receiver(secret: str = "") -> Iterator[WebhookReceiver]:
    """A receiver on a loopback port; with `secret`, it checks each delivery's signature."""
    state = WebhookReceiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            timestamp = self.headers.get(TIMESTAMP_HEADER, "")
            if secret and not hmac.compare_digest(
                sign(secret, timestamp, body), self.headers.get(SIGNATURE_HEADER, "")
            ):
                state.refuse_signature()
                self.send_response(401)
                self.end_headers()
                return
            state.receive(self.headers[IDEMPOTENCY_HEADER], body)
            try:
                self.send_response(200)
                self.end_headers()
            except OSError:
                pass  # the sender died while we held its request

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/moderation"
    try:
        yield state
    finally:
        state.release()
        server.shutdown()
        server.server_close()
