"""What the manifests hand the processes: only settings that exist, secrets only by
reference, and similarity's one builder with followers that never write its files."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator

import pytest
import yaml

from modmesh.decision.settings import DecisionSettings
from modmesh.gateway.settings import GatewaySettings
from modmesh.runtime.settings import ENV_PREFIX, MeshSettings
from modmesh.scoring.settings import ScoringSettings
from modmesh.similarity.settings import SimilaritySettings
from modmesh.termmatch.settings import TermMatchSettings
from modmesh.transcription.settings import TranscriptionSettings
from tests.k8s.manifests import OVERLAYS, Manifest, build, containers, name, of_kind, pod_labels
from tests.support import SERVICE_SETTINGS


def variables_of(settings_class: type[MeshSettings]) -> set[str]:
    return {ENV_PREFIX + field.name.upper() for field in dataclasses.fields(settings_class)}


#: The variables some process reads: the ConfigMap is shared, each reads its own.
SETTINGS = set().union(*map(variables_of, SERVICE_SETTINGS))
#: The settings class of the process in each pod (by its app.kubernetes.io/name).
PROCESS_SETTINGS: dict[str, type[MeshSettings]] = {
    "transcription": TranscriptionSettings,
    "termmatch": TermMatchSettings,
    "similarity": SimilaritySettings,
    "scoring": ScoringSettings,
    "decision": DecisionSettings,
    "gateway": GatewaySettings,
}
#: Settings whose values are credentials: they reach a pod from a Secret, never as text.
SECRET_SETTINGS = {
    "MODMESH_API_KEYS",
    "MODMESH_JWT_SECRET",
    "MODMESH_ACTION_WEBHOOK_SECRET",
    "MODMESH_AUDIT_KEY",
    "MODMESH_AUDIT_SIGNING_KEY",
} | {s for s in SETTINGS if s.endswith("DATABASE_URL")}
#: A URL with a password in it (scheme://user:password@host).
CREDENTIAL_IN_URL = re.compile(r"://[^/\s:@]+:[^/\s@]+@")


def configured_variables(manifests: tuple[Manifest, ...]) -> Iterator[tuple[str, str]]:
    """(where, variable) for every environment variable a manifest sets."""
    for config in of_kind(manifests, "ConfigMap"):
        for key in config.get("data", {}):
            yield f"ConfigMap/{name(config)}", key
    for deployment in of_kind(manifests, "Deployment"):
        for container in containers(deployment):
            for env in container.get("env", []):
                yield f"Deployment/{name(deployment)}/{container['name']}", env["name"]


def env_of(deployment: Manifest) -> dict[str, Manifest]:
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    return {env["name"]: env for env in container.get("env", [])}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_modmesh_variable_a_manifest_sets_is_a_real_setting(overlay: str) -> None:
    unknown = [
        f"{where}: {variable}"
        for where, variable in configured_variables(build(overlay))
        if variable.startswith(ENV_PREFIX) and variable not in SETTINGS
    ]
    assert not unknown, "not fields of any service's settings:\n" + "\n".join(unknown)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_a_deployment_sets_only_variables_its_own_process_reads(overlay: str) -> None:
    for deployment in of_kind(build(overlay), "Deployment"):
        process = pod_labels(deployment)["app.kubernetes.io/name"]
        if process not in PROCESS_SETTINGS:
            continue  # not a modmesh process (e.g. the OpenTelemetry collector)
        own = variables_of(PROCESS_SETTINGS[process])
        foreign = {v for v in env_of(deployment) if v.startswith(ENV_PREFIX)} - own
        assert not foreign, f"{name(deployment)} does not read {sorted(foreign)}"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_no_manifest_carries_a_secret_value(overlay: str) -> None:
    manifests = build(overlay)
    # The operator creates every Secret (docs/operations.md); none is shipped.
    assert not of_kind(manifests, "Secret")
    for config in of_kind(manifests, "ConfigMap"):
        assert not SECRET_SETTINGS & set(config.get("data", {})), name(config)
    for deployment in of_kind(manifests, "Deployment"):
        for variable, env in env_of(deployment).items():
            if variable in SECRET_SETTINGS:
                assert set(env) == {"name", "valueFrom"}, f"{name(deployment)}: {variable}"
                assert set(env["valueFrom"]) == {"secretKeyRef"}, f"{name(deployment)}: {variable}"
    text = yaml.safe_dump_all(manifests)
    assert not CREDENTIAL_IN_URL.search(text), CREDENTIAL_IN_URL.search(text)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_process_gets_the_secrets_it_needs(overlay: str) -> None:
    deployments = {name(d): d for d in of_kind(build(overlay), "Deployment")}
    needs = {
        "gateway": {"MODMESH_API_KEYS", "MODMESH_JWT_SECRET"},
        "decision": {"MODMESH_DATABASE_URL", "MODMESH_ACTION_WEBHOOK_SECRET"},
        "termmatch": {"MODMESH_DATABASE_URL"},
        "similarity": {"MODMESH_DATABASE_URL"},
        "similarity-builder": {"MODMESH_DATABASE_URL"},
        "scoring": {"MODMESH_DATABASE_URL", "MODMESH_AUDIT_KEY"},
    }
    for deployment, variables in needs.items():
        assert variables <= set(env_of(deployments[deployment])), deployment
    # Without API keys the gateway would refuse every call: its pod must not start.
    api_keys = env_of(deployments["gateway"])["MODMESH_API_KEYS"]
    assert not api_keys["valueFrom"]["secretKeyRef"].get("optional", False)


#: Where every modmesh pod mounts its own service's private key, and every public key.
SERVICE_KEY_DIR = "/var/run/secrets/modmesh/service-key"
PUBLIC_KEYS_DIR = "/etc/modmesh/service-keys"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_modmesh_process_mounts_its_own_private_key_and_every_public_key(
    overlay: str,
) -> None:
    manifests = build(overlay)
    [config] = [c for c in of_kind(manifests, "ConfigMap") if name(c) == "modmesh-config"]
    assert config["data"]["MODMESH_SERVICE_KEY_FILE"] == f"{SERVICE_KEY_DIR}/key"
    assert config["data"]["MODMESH_SERVICE_PUBLIC_KEYS_DIR"] == PUBLIC_KEYS_DIR
    for deployment in of_kind(manifests, "Deployment"):
        pod = deployment["spec"]["template"]["spec"]
        secrets = {v["name"]: v["secret"] for v in pod.get("volumes", []) if "secret" in v}
        keyed = {n: s["secretName"] for n, s in secrets.items() if "service-key" in s["secretName"]}
        process = pod_labels(deployment)["app.kubernetes.io/name"]
        if process not in PROCESS_SETTINGS:
            assert not keyed, f"{name(deployment)} is no modmesh process but gets a key"
            continue
        # Its own service's key, no other: a process whose key leaks speaks only as itself.
        [(volume, secret)] = keyed.items()
        assert secret == f"modmesh-{process}-service-key", name(deployment)
        # Readable by the pod's group (fsGroup), never by others; never optional.
        assert secrets[volume]["defaultMode"] == 0o440, name(deployment)
        assert not secrets[volume].get("optional", False), name(deployment)
        [container] = pod["containers"]
        [mount] = [m for m in container["volumeMounts"] if m["name"] == volume]
        assert mount == {"name": volume, "mountPath": SERVICE_KEY_DIR, "readOnly": True}
        maps = {v["name"]: v["configMap"]["name"] for v in pod["volumes"] if "configMap" in v}
        [public] = [n for n, m in maps.items() if m == "modmesh-service-public-keys"]
        [mount] = [m for m in container["volumeMounts"] if m["name"] == public]
        assert mount == {"name": public, "mountPath": PUBLIC_KEYS_DIR, "readOnly": True}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_one_similarity_replica_builds_the_shared_base_files_and_the_others_follow(
    overlay: str,
) -> None:
    manifests = build(overlay)
    similarity = [
        d
        for d in of_kind(manifests, "Deployment")
        if pod_labels(d)["app.kubernetes.io/name"] == "similarity"
    ]
    autoscaled = {
        h["spec"]["scaleTargetRef"]["name"] for h in of_kind(manifests, "HorizontalPodAutoscaler")
    }
    builders = []
    for deployment in similarity:
        rebuild_after = int(env_of(deployment)["MODMESH_SIMILARITY_REBUILD_AFTER"]["value"])
        pod = deployment["spec"]["template"]["spec"]
        [container] = pod["containers"]
        [mount] = [m for m in container["volumeMounts"] if m["name"] == "index"]
        [volume] = [v for v in pod["volumes"] if v["name"] == "index"]
        # The service keeps each bank's base under <data dir>/similarity/index/<bank>.
        assert mount["mountPath"] == "/var/lib/modmesh/similarity"
        assert volume["persistentVolumeClaim"]["claimName"] == "similarity-index"
        if rebuild_after > 0:
            builders.append(deployment)
            assert deployment["spec"]["replicas"] == 1
            assert deployment["spec"]["strategy"]["type"] == "Recreate"
            assert name(deployment) not in autoscaled
            assert not mount.get("readOnly", False)
        else:
            assert mount["readOnly"] is True
            assert volume["persistentVolumeClaim"]["readOnly"]
    assert len(builders) == 1
    assert len(similarity) == 2
