"""The OpenTelemetry Collector's config, checked as the collector would check it at start
(no collector binary runs here): every pipeline uses only components the config defines,
and the services' OTLP endpoint is a port the collector listens on."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

import pytest
import yaml

from tests.k8s.manifests import OVERLAYS, build, name, of_kind

WITH_COLLECTOR = [
    o for o in OVERLAYS if any(name(d) == "otel-collector" for d in of_kind(build(o), "Deployment"))
]


def collector_config(overlay: str) -> dict[str, Any]:
    [config_map] = [
        c for c in of_kind(build(overlay), "ConfigMap") if name(c) == "otel-collector-config"
    ]
    config: dict[str, Any] = yaml.safe_load(config_map["data"]["config.yaml"])
    return config


def test_every_overlay_runs_the_collector() -> None:
    assert set(WITH_COLLECTOR) == set(OVERLAYS)


@pytest.mark.parametrize("overlay", WITH_COLLECTOR)
def test_every_pipeline_uses_only_defined_components(overlay: str) -> None:
    config = collector_config(overlay)
    service = config["service"]
    assert set(service["extensions"]) <= set(config["extensions"])
    assert {"traces", "metrics"} <= set(service["pipelines"])
    for pipeline in service["pipelines"].values():
        for kind in ("receivers", "processors", "exporters"):
            assert set(pipeline[kind]) <= set(config[kind]), (kind, pipeline)
        assert pipeline["receivers"]
        assert pipeline["exporters"]


@pytest.mark.parametrize("overlay", WITH_COLLECTOR)
def test_the_services_send_to_a_port_the_collector_serves_and_probes_check(overlay: str) -> None:
    manifests = build(overlay)
    [settings] = [c for c in of_kind(manifests, "ConfigMap") if name(c) == "modmesh-config"]
    endpoint = urlparse(settings["data"]["OTEL_EXPORTER_OTLP_ENDPOINT"])
    [service] = [s for s in of_kind(manifests, "Service") if name(s) == "otel-collector"]
    assert endpoint.hostname == name(service)
    [port] = [p for p in service["spec"]["ports"] if p["port"] == endpoint.port]
    grpc_endpoint = collector_config(overlay)["receivers"]["otlp"]["protocols"]["grpc"]
    assert grpc_endpoint["endpoint"].endswith(f":{endpoint.port}")
    assert port["targetPort"] == "otlp-grpc"

    [deployment] = [d for d in of_kind(manifests, "Deployment") if name(d) == "otel-collector"]
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    health = collector_config(overlay)["extensions"]["health_check"]["endpoint"]
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert health.endswith(f":{ports[container['readinessProbe']['httpGet']['port']]}")
