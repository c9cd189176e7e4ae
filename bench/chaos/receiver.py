"""The platform's side of action deliveries: an HTTP endpoint that checks each POST's
signature, dedupes by its idempotency key (as a platform must: a delivery may be sent
again after a crash) and counts what arrived more than once."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    """Deliveries by idempotency key: the first payload of each, and how often each came."""

    url: str = ""
    first: dict[str, dict[str, Any]] = field(default_factory=dict)
    times: Counter[str] = field(default_factory=Counter)
    bad_signatures: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def duplicates(self) -> dict[str, int]:
        """Keys that arrived more than once, with the extra arrivals."""
        return {key: count - 1 for key, count in self.times.items() if count > 1}


@contextmanager
def webhook_receiver(secret: str) -> Iterator[Received]:
    state = Received()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            timestamp = self.headers.get("X-Modmesh-Timestamp", "")
            mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
            if not hmac.compare_digest(
                f"sha256={mac.hexdigest()}", self.headers.get("X-Modmesh-Signature", "")
            ):
                with state.lock:
                    state.bad_signatures += 1
                self.send_response(401)
                self.end_headers()
                return
            key = self.headers.get("Idempotency-Key", "")
            with state.lock:
                state.times[key] += 1
                state.first.setdefault(key, json.loads(body))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/moderation"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
