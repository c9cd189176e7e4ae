"""The credential the CLI uses with a local mesh.

When MODMESH_API_KEYS is not set, `modmesh up` makes one random key for a local operator
with every role but appellant (an appellant reads only its own account's cases), keeps
it in <data dir>/local-api-key (readable by its owner only) and gives it to the gateway;
the CLI's own commands read it from there. Set MODMESH_API_KEY to use another key (e.g.
against a shared gateway).
"""

from __future__ import annotations

import os
import secrets

from modmesh.runtime.roles import Role
from modmesh.runtime.settings import ENV_PREFIX, MeshSettings

LOCAL_SUBJECT = "local-operator"
KEY_FILE = "local-api-key"
#: The gateway's setting; read from the environment because the gateway's settings are
#: its own (the CLI does not import the gateway).
API_KEYS_ENV = ENV_PREFIX + "API_KEYS"


def local_api_keys(settings: MeshSettings) -> str:
    """MODMESH_API_KEYS for a local mesh: the configured keys, or the local operator's."""
    configured = os.environ.get(API_KEYS_ENV, "")
    if configured:
        return configured
    roles = "+".join(role.value for role in Role if role is not Role.APPELLANT)
    return f"{LOCAL_SUBJECT}:{roles}:{_local_key(settings, create=True)}"


def api_key(settings: MeshSettings) -> str:
    """The key the CLI sends: MODMESH_API_KEY, or the local operator's (empty: none)."""
    return os.environ.get("MODMESH_API_KEY", "") or _local_key(settings, create=False)


def _local_key(settings: MeshSettings, create: bool) -> str:
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
