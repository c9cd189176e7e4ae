"""The network-policies component, read as the cluster would enforce it: default deny,
only the gateway reachable from outside, decision reaching the engines, and no other
call between pods."""

from __future__ import annotations

from typing import Any

import pytest

from tests.k8s.manifests import (
    OVERLAYS,
    Manifest,
    build,
    containers,
    name,
    of_kind,
    pod_labels,
    selects,
)

WITH_POLICIES = [o for o in OVERLAYS if of_kind(build(o), "NetworkPolicy")]

#: Every pod-to-pod call the architecture makes (the collector receives telemetry).
EXPECTED_CALLS = {
    ("gateway", "decision"),
    ("gateway", "termmatch"),
    ("gateway", "similarity"),
    ("gateway", "transcription"),  # its health, for /readyz
    ("decision", "transcription"),
    ("decision", "termmatch"),
    ("decision", "similarity"),
    ("decision", "scoring"),
} | {
    (caller, "otel-collector")
    for caller in ("gateway", "decision", "transcription", "termmatch", "similarity", "scoring")
}


def service(deployment: Manifest) -> str:
    """The part of the architecture a Deployment runs (similarity has two Deployments)."""
    return pod_labels(deployment)["app.kubernetes.io/name"]


def _port_matches(rule_port: dict[str, Any], pod: Manifest, port: dict[str, Any]) -> bool:
    wanted = rule_port.get("port")
    return wanted is None or wanted in (port["containerPort"], port.get("name"))


def _applies(policy: Manifest, pod: Manifest, direction: str) -> bool:
    return direction in policy["spec"]["policyTypes"] and selects(
        policy["spec"]["podSelector"], pod_labels(pod)
    )


def _peer_is(peer: dict[str, Any], pod: Manifest) -> bool:
    """A peer naming `pod` in the same namespace: a bare podSelector."""
    return set(peer) == {"podSelector"} and selects(peer["podSelector"], pod_labels(pod))


def allowed(policies: list[Manifest], source: Manifest, target: Manifest) -> bool:
    """Whether `source` may open any of `target`'s container ports."""
    for port in (p for c in containers(target) for p in c.get("ports", [])):
        ingress = any(
            any(_peer_is(peer, source) for peer in rule.get("from", []))
            and any(_port_matches(rp, target, port) for rp in rule.get("ports", [{}]))
            for policy in policies
            if _applies(policy, target, "Ingress")
            for rule in policy["spec"].get("ingress", [])
        )
        egress = any(
            any(_peer_is(peer, target) for peer in rule.get("to", []))
            and any(_port_matches(rp, target, port) for rp in rule.get("ports", [{}]))
            for policy in policies
            if _applies(policy, source, "Egress")
            for rule in policy["spec"].get("egress", [])
        )
        if ingress and egress:
            return True
    return False


def test_every_overlay_enforces_network_policies() -> None:
    # prod runs on many nodes; dev gets them too, so a policy that breaks a call shows on
    # a laptop first. Service tokens authenticate calls, policies confine who can try.
    assert list(OVERLAYS) == WITH_POLICIES


@pytest.mark.parametrize("overlay", WITH_POLICIES)
def test_everything_is_denied_unless_a_policy_allows_it(overlay: str) -> None:
    policies = of_kind(build(overlay), "NetworkPolicy")
    assert any(
        p["spec"]["podSelector"] == {}
        and set(p["spec"]["policyTypes"]) == {"Ingress", "Egress"}
        and not p["spec"].get("ingress")
        and not p["spec"].get("egress")
        for p in policies
    )


@pytest.mark.parametrize("overlay", WITH_POLICIES)
def test_pods_call_exactly_the_services_the_architecture_says(overlay: str) -> None:
    manifests = build(overlay)
    policies = of_kind(manifests, "NetworkPolicy")
    pods = of_kind(manifests, "Deployment")
    calls = {
        (service(source), service(target))
        for source in pods
        for target in pods
        if source is not target and allowed(policies, source, target)
    }
    assert calls == EXPECTED_CALLS


@pytest.mark.parametrize("overlay", WITH_POLICIES)
def test_only_the_gateway_is_reachable_from_outside_the_namespace(overlay: str) -> None:
    manifests = build(overlay)
    pods = {name(d): d for d in of_kind(manifests, "Deployment")}
    for policy in of_kind(manifests, "NetworkPolicy"):
        for rule in policy["spec"].get("ingress", []):
            peers = rule.get("from")
            outside = peers is None or any(set(peer) != {"podSelector"} for peer in peers)
            if not outside:
                continue
            ports = {p.get("port") for p in rule.get("ports", [{}])}
            if ports == {"metrics"}:
                continue  # Prometheus scrapes metrics, and nothing else, from outside
            selector = policy["spec"]["podSelector"]
            reached = {n for n, pod in pods.items() if selects(selector, pod_labels(pod))}
            assert reached == {"gateway"}, f"{name(policy)} opens {reached} to the outside"
