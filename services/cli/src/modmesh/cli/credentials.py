"""The credential the CLI uses with a local mesh, and the local mesh's audit keys.

When MODMESH_API_KEYS is not set, `modmesh up` makes one random key for a local operator
with every role but appellant (an appellant reads only its own account's cases), keeps
it in <data dir>/local-api-key (readable by its owner only) and gives it to the gateway;
the CLI's own commands read it from there. Set MODMESH_API_KEY to use another key (e.g.
against a shared gateway).

The same way, when MODMESH_AUDIT_KEY (the audit chains' HMAC key) and
MODMESH_AUDIT_SIGNING_KEY (the checkpoints' Ed25519 seed) are not set, `modmesh up` makes
them on first start under the data dir (owner-only files) and hands them to the services;
`modmesh audit` reads them from there. The database never holds them.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable

from modmesh.runtime.roles import Role
from modmesh.runtime.settings import ENV_PREFIX, MeshSettings

LOCAL_SUBJECT = "local-operator"
KEY_FILE = "local-api-key"
#: The gateway's setting; read from the environment because the gateway's settings are
#: its own (the CLI does not import the gateway).
API_KEYS_ENV = ENV_PREFIX + "API_KEYS"
#: Each audit secret: its variable, its file under the data dir, and how one is made.
AUDIT_KEY_ENV = ENV_PREFIX + "AUDIT_KEY"
AUDIT_SIGNING_KEY_ENV = ENV_PREFIX + "AUDIT_SIGNING_KEY"
AUDIT_SECRETS: dict[str, tuple[str, Callable[[], str]]] = {
    AUDIT_KEY_ENV: ("audit-key", lambda: secrets.token_urlsafe(32)),
    AUDIT_SIGNING_KEY_ENV: ("audit-signing-key", lambda: secrets.token_hex(32)),
}


def local_api_keys(settings: MeshSettings) -> str:
    """MODMESH_API_KEYS for a local mesh: the configured keys, or the local operator's."""
    configured = os.environ.get(API_KEYS_ENV, "")
    if configured:
        return configured
    roles = "+".join(role.value for role in Role if role is not Role.APPELLANT)
    return f"{LOCAL_SUBJECT}:{roles}:{_local_key(settings, create=True)}"


def local_audit_keys(settings: MeshSettings) -> dict[str, str]:
    """The audit secrets for a local mesh's processes: the configured ones, or ours."""
    return {env: audit_secret(settings, env, create=True) for env in AUDIT_SECRETS}


def audit_secret(settings: MeshSettings, env: str, create: bool = False) -> str:
    """An audit secret (AUDIT_KEY_ENV or AUDIT_SIGNING_KEY_ENV): the variable, or the
    local mesh's file (empty: neither)."""
    name, make = AUDIT_SECRETS[env]
    return os.environ.get(env, "") or _secret_file(settings, name, make, create)


def api_key(settings: MeshSettings) -> str:
    """The key the CLI sends: MODMESH_API_KEY, or the local operator's (empty: none)."""
    return os.environ.get("MODMESH_API_KEY", "") or _local_key(settings, create=False)


def _local_key(settings: MeshSettings, create: bool) -> str:
    return _secret_file(settings, KEY_FILE, lambda: secrets.token_urlsafe(32), create)


def _secret_file(settings: MeshSettings, name: str, make: Callable[[], str], create: bool) -> str:
    path = settings.data_dir / name
    if path.is_file():
        return path.read_text().strip()
    if not create:
        return ""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    key = make()
    # Created readable by its owner only, before the key is written.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(key)
    return key
