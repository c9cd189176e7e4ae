"""`modmesh up` hands each process only the secrets it reads."""

from __future__ import annotations

from modmesh.cli.mesh import GATEWAY, SERVICES, process_env
from modmesh.decision.settings import DecisionSettings
from modmesh.gateway.settings import GatewaySettings
from modmesh.runtime.settings import ENV_PREFIX
from tests.runtime.test_settings import SECRETS

#: Each process's settings class, by the name `modmesh up` starts it under.
OWNERS = {GATEWAY: GatewaySettings, "decision": DecisionSettings}


def test_each_process_gets_its_own_secrets_and_no_other_process_s() -> None:
    owner_of = {
        ENV_PREFIX + secret.upper(): name
        for name, settings in OWNERS.items()
        for secret in SECRETS[settings]
    }
    env = {"PATH": "/usr/bin", "MODMESH_DATA_DIR": "/srv"} | dict.fromkeys(owner_of, "s" * 40)

    for name in (*SERVICES, GATEWAY):
        given = process_env(name, env)
        assert {"PATH", "MODMESH_DATA_DIR"} <= set(given)
        assert {key for key in given if key in owner_of} == {
            key for key, owner in owner_of.items() if owner == name
        }, name
