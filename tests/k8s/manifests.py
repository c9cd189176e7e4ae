"""The rendered manifests of each overlay, as `kubectl kustomize` builds them, and the
few lookups the checks share."""

from __future__ import annotations

import functools
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "k8s"
OVERLAYS = tuple(sorted(p.name for p in (K8S / "overlays").iterdir() if p.is_dir()))
#: The oldest Kubernetes the manifests promise to run on (native gRPC probes are GA in
#: 1.27, the preStop sleep action is on by default from 1.30).
MIN_KUBERNETES = "1.30.0"

Manifest = dict[str, Any]


@functools.cache
def build(overlay: str) -> tuple[Manifest, ...]:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.fail(
            "kubectl is not installed; the k8s checks need it for `kubectl kustomize` "
            "(no cluster is contacted). Install kubectl 1.30 or newer.",
            pytrace=False,
        )
    result = subprocess.run(  # noqa: S603 - kubectl kustomize on our overlays
        [kubectl, "kustomize", str(K8S / "overlays" / overlay)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, f"kustomize cannot build {overlay}:\n{result.stderr}"
    return tuple(doc for doc in yaml.safe_load_all(result.stdout) if doc)


def of_kind(manifests: tuple[Manifest, ...], kind: str) -> list[Manifest]:
    return [m for m in manifests if m["kind"] == kind]


def name(manifest: Manifest) -> str:
    return str(manifest["metadata"]["name"])


def containers(deployment: Manifest) -> Iterator[Manifest]:
    spec = deployment["spec"]["template"]["spec"]
    yield from spec.get("initContainers", [])
    yield from spec["containers"]


def pod_labels(deployment: Manifest) -> dict[str, str]:
    return dict(deployment["spec"]["template"]["metadata"]["labels"])


def selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    """matchLabels semantics (the only kind of selector these manifests use)."""
    assert set(selector) <= {"matchLabels"}, f"unsupported selector {selector}"
    return all(labels.get(k) == v for k, v in selector.get("matchLabels", {}).items())
