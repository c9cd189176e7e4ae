"""What every overlay promises an operator: it builds, it is valid Kubernetes 1.30+, and
every workload is probed, bounded, unprivileged and wired to things that exist."""

from __future__ import annotations

import jsonschema
import kubernetes_validate
import pytest

from tests.k8s.manifests import (
    MIN_KUBERNETES,
    OVERLAYS,
    build,
    containers,
    name,
    of_kind,
    pod_labels,
    selects,
)


def test_there_are_dev_and_prod_overlays() -> None:
    assert {"dev", "prod"} <= set(OVERLAYS)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_manifest_validates_against_the_kubernetes_schemas(overlay: str) -> None:
    # Strict: an unknown or misspelt field is an error, not silently dropped by the API.
    invalid = []
    for manifest in build(overlay):
        for version in (MIN_KUBERNETES, kubernetes_validate.latest_version()):
            try:
                kubernetes_validate.validate(manifest, version, strict=True)
            except jsonschema.ValidationError as error:
                invalid.append(f"{manifest['kind']}/{name(manifest)} on {version}: {error.message}")
    assert not invalid, "\n".join(invalid)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_container_is_probed_bounded_non_root_and_read_only(overlay: str) -> None:
    for deployment in of_kind(build(overlay), "Deployment"):
        pod = deployment["spec"]["template"]["spec"]
        pod_security = pod.get("securityContext", {})
        for container in containers(deployment):
            where = f"{name(deployment)}/{container['name']}"
            assert "readinessProbe" in container, where
            assert "livenessProbe" in container, where
            resources = container.get("resources", {})
            for bound in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(resources.get(bound, {})), f"{where} {bound}"
            security = {**pod_security, **container.get("securityContext", {})}
            assert security.get("runAsNonRoot") is True, where
            assert security.get("runAsUser", 0) != 0, where
            assert security.get("readOnlyRootFilesystem") is True, where
            assert security.get("allowPrivilegeEscalation") is False, where
            assert security.get("capabilities", {}).get("drop") == ["ALL"], where
            assert security.get("seccompProfile", {}).get("type") == "RuntimeDefault", where
            image = container["image"]
            assert ":" in image.rpartition("/")[2], where
            assert not image.endswith(":latest"), where


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_modmesh_grpc_services_are_probed_natively_on_grpc_health(overlay: str) -> None:
    grpc_ports = set()
    for deployment in of_kind(build(overlay), "Deployment"):
        for container in containers(deployment):
            ports = {p["name"]: p["containerPort"] for p in container.get("ports", [])}
            if "grpc" not in ports:
                continue
            grpc_ports.add(ports["grpc"])
            readiness = container["readinessProbe"]["grpc"]
            liveness = container["livenessProbe"]["grpc"]
            assert readiness["port"] == liveness["port"] == ports["grpc"]
            # Readiness asks the overall status (NOT_SERVING until loaded); liveness asks
            # the runtime's "liveness" entry, so a pod still loading is not killed.
            assert readiness.get("service", "") == ""
            assert liveness["service"] == "liveness"
    assert grpc_ports == {50051, 50052, 50053, 50054, 50055}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_pod_gets_longer_to_stop_than_its_pre_stop_pause_and_drain(overlay: str) -> None:
    manifests = build(overlay)
    [config] = [c for c in of_kind(manifests, "ConfigMap") if name(c) == "modmesh-config"]
    for deployment in of_kind(manifests, "Deployment"):
        pod = deployment["spec"]["template"]["spec"]
        for container in pod["containers"]:
            env = {e["name"]: e.get("value") for e in container.get("env", [])}
            if "MODMESH_BIND" not in env:
                continue  # not a modmesh process
            drain = float(
                env.get("MODMESH_DRAIN_SECONDS") or config["data"]["MODMESH_DRAIN_SECONDS"]
            )
            pause = container["lifecycle"]["preStop"]["sleep"]["seconds"]
            assert pod["terminationGracePeriodSeconds"] >= pause + drain + 1, name(deployment)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_service_targets_a_container_port_of_the_pods_it_selects(overlay: str) -> None:
    manifests = build(overlay)
    deployments = of_kind(manifests, "Deployment")
    for service in of_kind(manifests, "Service"):
        selector = {"matchLabels": service["spec"]["selector"]}
        backing = [d for d in deployments if selects(selector, pod_labels(d))]
        assert backing, f"Service {name(service)} selects no Deployment"
        for deployment in backing:
            ports = [p for c in containers(deployment) for p in c.get("ports", [])]
            for port in service["spec"]["ports"]:
                target = port.get("targetPort", port["port"])
                key = "name" if isinstance(target, str) else "containerPort"
                assert any(p.get(key) == target for p in ports), (
                    f"Service {name(service)} port {port['name']} → {target}: "
                    f"no such port on {name(deployment)}"
                )


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_autoscaler_and_disruption_budget_targets_an_existing_deployment(
    overlay: str,
) -> None:
    manifests = build(overlay)
    deployments = {name(d): d for d in of_kind(manifests, "Deployment")}
    autoscaled = set()
    for hpa in of_kind(manifests, "HorizontalPodAutoscaler"):
        target = hpa["spec"]["scaleTargetRef"]
        assert (target["kind"], target["apiVersion"]) == ("Deployment", "apps/v1")
        assert target["name"] in deployments, f"HPA {name(hpa)} → {target['name']}"
        assert hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]
        autoscaled.add(target["name"])
    assert autoscaled == {
        "gateway",
        "decision",
        "transcription",
        "termmatch",
        "similarity",
        "scoring",
    }
    for budget in of_kind(manifests, "PodDisruptionBudget"):
        assert any(
            selects(budget["spec"]["selector"], pod_labels(d)) for d in deployments.values()
        ), f"PDB {name(budget)} selects no Deployment"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_engine_scales_on_the_signal_that_fits_it(overlay: str) -> None:
    manifests = build(overlay)
    signals = {
        hpa["spec"]["scaleTargetRef"]["name"]: [
            metric.get("resource", metric.get("pods", {})).get("name")
            or metric["pods"]["metric"]["name"]
            for metric in hpa["spec"]["metrics"]
        ]
        for hpa in of_kind(manifests, "HorizontalPodAutoscaler")
    }
    assert signals["termmatch"] == signals["similarity"] == signals["scoring"] == ["cpu"]
    assert signals["transcription"] == ["modmesh_transcription_queue_depth"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_pod_runs_under_its_own_service_account_without_an_api_token(
    overlay: str,
) -> None:
    manifests = build(overlay)
    accounts = {name(a) for a in of_kind(manifests, "ServiceAccount")}
    for deployment in of_kind(manifests, "Deployment"):
        pod = deployment["spec"]["template"]["spec"]
        assert pod["serviceAccountName"] == name(deployment)
        assert pod["serviceAccountName"] in accounts
        assert pod["automountServiceAccountToken"] is False


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_database_dsn_comes_from_a_secret_never_from_plain_config(overlay: str) -> None:
    manifests = build(overlay)
    for config in of_kind(manifests, "ConfigMap"):
        assert not any("DATABASE_URL" in key for key in config.get("data", {})), name(config)
    for deployment in of_kind(manifests, "Deployment"):
        for container in containers(deployment):
            for env in container.get("env", []):
                if "DATABASE_URL" in env["name"]:
                    assert "secretKeyRef" in env["valueFrom"], name(deployment)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_modmesh_pod_serves_metrics_on_the_port_its_settings_name(overlay: str) -> None:
    manifests = build(overlay)
    [config] = [c for c in of_kind(manifests, "ConfigMap") if name(c) == "modmesh-config"]
    port = int(config["data"]["MODMESH_METRICS_PORT"])
    for deployment in of_kind(manifests, "Deployment"):
        if name(deployment) == "otel-collector":
            continue
        template = deployment["spec"]["template"]
        [container] = template["spec"]["containers"]
        assert {"name": "metrics", "containerPort": port} in container["ports"]
        assert template["metadata"]["annotations"]["prometheus.io/port"] == str(port)


#: The gRPC services of the mesh, by the name of their Service and setting.
GRPC_SERVICES = ("decision", "transcription", "termmatch", "similarity", "scoring")


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_grpc_services_are_headless_and_clients_resolve_every_pod(overlay: str) -> None:
    manifests = build(overlay)
    services = {name(s): s for s in of_kind(manifests, "Service")}
    [config] = [c for c in of_kind(manifests, "ConfigMap") if name(c) == "modmesh-config"]
    for service in GRPC_SERVICES:
        spec = services[service]["spec"]
        # A virtual IP would pin each client's one HTTP/2 connection to one pod.
        assert spec.get("clusterIP") == "None", f"Service {service} is not headless"
        [grpc_port] = [p["port"] for p in spec["ports"] if p["name"] == "grpc"]
        address = config["data"][f"MODMESH_{service.upper()}_ADDR"]
        assert address == f"dns:///{service}:{grpc_port}", service
    assert int(config["data"]["MODMESH_MAX_CONNECTION_AGE_SECONDS"]) > 0
