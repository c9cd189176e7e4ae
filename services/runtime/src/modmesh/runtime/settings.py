"""Typed settings read from ``MODMESH_*`` environment variables.

Every field has a default that runs on one laptop; each field ``foo_bar`` is set by
``MODMESH_FOO_BAR``. A malformed value stops start-up with a message naming the variable.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ENV_PREFIX = "MODMESH_"
MIB = 1024 * 1024


class SettingsError(ValueError):
    """A MODMESH_* variable holds a value of the wrong type."""


@dataclass(frozen=True)
class Settings:
    #: Root for everything a local mesh keeps: blobs, databases, indexes, logs.
    data_dir: Path = Path(".modmesh")
    #: Where each service listens (and where the others reach it).
    decision_addr: str = "127.0.0.1:50051"
    transcription_addr: str = "127.0.0.1:50052"
    termmatch_addr: str = "127.0.0.1:50053"
    similarity_addr: str = "127.0.0.1:50054"
    gateway_addr: str = "127.0.0.1:8080"
    #: Overrides the listen address of the service started (e.g. 0.0.0.0:50051 in a pod).
    bind: str = ""
    log_level: str = "info"
    #: Port of the Prometheus metrics endpoint (all interfaces); 0 serves none.
    metrics_port: int = 0
    #: Largest media blob accepted anywhere in the mesh.
    max_media_bytes: int = 200 * MIB
    #: Largest text termmatch accepts in one request, in characters.
    max_text_chars: int = 1_000_000
    #: Seconds in-flight RPCs get to finish after SIGTERM.
    drain_seconds: float = 10.0
    #: SQLAlchemy URL of the database the services keep their data in (each in its own
    #: tables); empty means one SQLite file per service under data_dir.
    database_url: str = ""
    #: Per-service overrides of database_url, for a service with a database of its own.
    termmatch_database_url: str = ""
    decision_database_url: str = ""
    similarity_database_url: str = ""
    #: CTranslate2 Whisper model directory; empty means the bundled tiny.en.
    whisper_model: str = ""
    whisper_device: str = "cpu"
    whisper_compute_type: str = "int8"
    #: A live stream whose transcription trails real time by more than this is ended
    #: with RESOURCE_EXHAUSTED and a retry hint (docs/operations.md, "Live streams").
    stream_max_lag_seconds: float = 10.0
    #: Video frames hashed per second of media.
    frame_sample_fps: float = 1.0
    #: Similarity index: annoy trees and nodes inspected per query (see bench/similarity).
    similarity_index_trees: int = 16
    similarity_search_k: int = 2_000
    #: Hashes added or removed since a bank's base index was built that trigger a
    #: background rebuild; 0 never rebuilds (a replica following shared base files).
    similarity_rebuild_after: int = 20_000
    #: Seconds between picking up other replicas' writes from the store (0: never).
    similarity_refresh_seconds: float = 5.0
    #: Seconds decision waits for one engine call before failing the case.
    engine_timeout_seconds: float = 300.0
    #: How decision carries out actions: "log" (write them to its log), "webhook" (POST
    #: them, HMAC-signed, to action_webhook_url) or "dry-run" (log what would be sent).
    action_adapter: str = "log"
    action_webhook_url: str = ""
    #: Key of the webhook's HMAC-SHA256 signature; never logged.
    action_webhook_secret: str = ""
    action_webhook_timeout_seconds: float = 10.0
    #: Attempts per delivery before it goes to the dead-letter queue, and the first
    #: retry delay (doubled after each failure).
    action_max_attempts: int = 6
    action_retry_seconds: float = 5.0
    #: The gateway's API keys: "subject:role+role:key" entries separated by commas
    #: (roles: moderator, policy-admin, auditor, appellant, service). Never logged.
    #: `modmesh up` makes a local key when this is empty (see README).
    api_keys: str = ""
    #: HS256 key of JWT bearer tokens (claims: sub, roles, exp); empty: no JWTs.
    jwt_secret: str = ""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for field in dataclasses.fields(cls):
            name = ENV_PREFIX + field.name.upper()
            if name in environ:
                values[field.name] = _parse(name, environ[name], field.default)
        return cls(**values)

    def listen_addr(self, service: str) -> str:
        """The address the named service binds to."""
        return self.bind or str(getattr(self, f"{service}_addr"))

    def database_url_for(self, service: str) -> str:
        """The SQLAlchemy URL of the named service's database."""
        configured = str(getattr(self, f"{service}_database_url")) or self.database_url
        return configured or f"sqlite:///{self.data_dir.resolve() / (service + '.db')}"

    def to_env(self) -> dict[str, str]:
        """These settings as MODMESH_* variables, for starting child processes."""
        return {
            ENV_PREFIX + f.name.upper(): str(getattr(self, f.name))
            for f in dataclasses.fields(self)
        }


def _parse(name: str, raw: str, default: object) -> object:
    if isinstance(default, Path):
        return Path(raw).expanduser()
    kind = type(default)
    try:
        if kind is int:
            return int(raw)
        if kind is float:
            return float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a {kind.__name__}, got {raw!r}") from None
    return raw
