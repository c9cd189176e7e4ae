"""Typed settings read from ``MODMESH_*`` environment variables.

Every field has a default that runs on one laptop; each field ``foo_bar`` is set by
``MODMESH_FOO_BAR``. A malformed value stops start-up with a message naming the variable.

`MeshSettings` holds only what every process of the mesh needs. Each service extends it
with a frozen dataclass of its own (``modmesh.<service>.settings``) that adds only the
fields it reads, so a process never loads another service's settings or secrets.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

ENV_PREFIX = "MODMESH_"
MIB = 1024 * 1024
#: Shortest key or secret a process accepts (API keys, JWT and webhook secrets): 256
#: bits, so none can be guessed.
MIN_SECRET_BYTES = 32
_BOOLEANS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


class SettingsError(ValueError):
    """A MODMESH_* variable holds a value of the wrong type."""


@dataclass(frozen=True)
class MeshSettings:
    #: Root for everything a local mesh keeps: blobs, databases, indexes, logs.
    data_dir: Path = Path(".modmesh")
    #: Where each service listens (and where the others reach it).
    decision_addr: str = "127.0.0.1:50051"
    transcription_addr: str = "127.0.0.1:50052"
    termmatch_addr: str = "127.0.0.1:50053"
    similarity_addr: str = "127.0.0.1:50054"
    scoring_addr: str = "127.0.0.1:50055"
    gateway_addr: str = "127.0.0.1:8080"
    #: Overrides the listen address of the service started (e.g. 0.0.0.0:50051 in a pod).
    bind: str = ""
    log_level: str = "info"
    #: Port of the Prometheus metrics endpoint (all interfaces); 0 serves none.
    metrics_port: int = 0
    #: Largest media blob accepted anywhere in the mesh.
    max_media_bytes: int = 200 * MIB
    #: Longest media accepted anywhere in the mesh, refused at probe time before any
    #: decoding: work and memory per item follow duration, not upload size
    #: (docs/operations.md, "Bounded work per item").
    max_media_seconds: float = 4 * 3600.0
    #: Seconds in-flight RPCs get to finish after SIGTERM.
    drain_seconds: float = 10.0
    #: SQLAlchemy URL of the database the services keep their data in (each in its own
    #: tables); empty means one SQLite file per service under data_dir.
    database_url: str = ""
    #: File holding this process's private service key, which signs the token of each
    #: gRPC call it makes; empty means <data_dir>/service-keys/<service>.key (`modmesh
    #: up` makes it). In Kubernetes, the process's own mounted Secret.
    service_key_file: str = ""
    #: Folder of every service's public key (<service>.pub), which check the tokens of
    #: the calls a process serves; empty means <data_dir>/service-keys. In Kubernetes,
    #: the mounted ConfigMap modmesh-service-public-keys.
    service_public_keys_dir: str = ""
    #: Servers close each connection after this long (gracefully: in-flight calls finish),
    #: so clients re-resolve and spread over new replicas; 0 keeps connections forever.
    max_connection_age_seconds: float = 300.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Self:
        """These settings from MODMESH_* variables; variables of other fields are ignored."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for field in dataclasses.fields(cls):
            name = ENV_PREFIX + field.name.upper()
            if name in environ:
                values[field.name] = _parse(name, environ[name], field.default)
        return cls(**values)

    def to_env(self) -> dict[str, str]:
        """These settings as MODMESH_* variables, for starting child processes."""
        return {
            ENV_PREFIX + f.name.upper(): str(getattr(self, f.name))
            for f in dataclasses.fields(self)
        }

    def listen_addr(self, service: str) -> str:
        """The address the named service binds to."""
        return self.bind or str(getattr(self, f"{service}_addr"))

    def database_url_for(self, service: str, own: str = "") -> str:
        """The SQLAlchemy URL of the named service's database: its own URL (a service's
        ``<service>_database_url`` setting), else the shared one, else a SQLite file."""
        configured = own or self.database_url
        return configured or f"sqlite:///{self.data_dir.resolve() / (service + '.db')}"


def _parse(name: str, raw: str, default: object) -> object:
    if isinstance(default, Path):
        return Path(raw).expanduser()
    kind = type(default)
    if kind is bool:
        if raw.lower() in _BOOLEANS:
            return _BOOLEANS[raw.lower()]
        raise SettingsError(f"{name} must be true or false, got {raw!r}")
    try:
        if kind is int:
            return int(raw)
        if kind is float:
            return float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a {kind.__name__}, got {raw!r}") from None
    return raw
