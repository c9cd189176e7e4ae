"""The credential the CLI uses with a local mesh.

When MODMESH_API_KEYS is not set, `modmesh up` makes one random key for a local operator
with every role, keeps it in <data dir>/local-api-key (readable by its owner only) and
gives it to the gateway; the CLI's own commands read it from there. Set
MODMESH_API_KEY to use another key (e.g. against a shared gateway).
"""

from __future__ import annotations

import os
import secrets

from modmesh.runtime.roles import Role
from modmesh.runtime.settings import Settings

LOCAL_SUBJECT = "local-operator"
KEY_FILE = "local-api-key"


def local_api_keys(settings: Settings) -> str:
    """MODMESH_API_KEYS for a local mesh: the configured keys, or the local operator's."""
    if settings.api_keys:
        return settings.api_keys
    roles = "+".join(role.value for role in Role)
    return f"{LOCAL_SUBJECT}:{roles}:{_local_key(settings, create=True)}"


def api_key(settings: Settings) -> str:
    """The key the CLI sends: MODMESH_API_KEY, or the local operator's (empty: none)."""
    return os.environ.get("MODMESH_API_KEY", "") or _local_key(settings, create=False)


def _local_key(settings: Settings, create: bool) -> str:
    path = settings.data_dir / KEY_FILE
    if path.is_file():
        return path.read_text().strip()
    if not create:
        return ""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(32)
    # Created readable by its owner only, before the key is written.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(key)
    return key
