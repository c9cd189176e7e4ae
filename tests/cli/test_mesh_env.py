"""`modmesh up` hands each process only the secrets it reads."""

from __future__ import annotations

from modmesh.cli.mesh import GATEWAY, SERVICES, process_env
from modmesh.runtime.settings import ENV_PREFIX
from tests.runtime.test_settings import SECRETS
from tests.support import SERVICE_SETTINGS

#: The name `modmesh up` starts each process under, by its settings class.
PROCESS = dict(zip(SERVICE_SETTINGS, (*SERVICES, GATEWAY), strict=True))


def test_each_process_gets_its_own_secrets_and_no_other_process_s() -> None:
    readers = {
        ENV_PREFIX + secret.upper(): {PROCESS[owner] for owner in owners}
        for secret, owners in SECRETS.items()
    }
    env = {"PATH": "/usr/bin", "MODMESH_DATA_DIR": "/srv"} | dict.fromkeys(readers, "s" * 40)

    for name in (*SERVICES, GATEWAY):
        given = process_env(name, env)
        assert {"PATH", "MODMESH_DATA_DIR"} <= set(given)
        assert {key for key in given if key in readers} == {
            key for key, names in readers.items() if name in names
        }, name
