"""OpenTelemetry set up once per process: a tracer provider named after the service,
an OTLP exporter only when an endpoint is configured, gRPC interceptors, and `annotate`
for the ids and versions a span should carry.

One submitted item is one trace: the gateway's request span is the root, the gRPC
interceptors carry it to decision, and decision's background analysis inherits it (see
modmesh.decision.intake.pipeline) and carries it on to the three engines.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from opentelemetry import trace
from opentelemetry.instrumentation.grpc import aio_client_interceptors, aio_server_interceptor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

AttributeValue = str | bool | int | float | Sequence[str] | Sequence[int]


def resource(service: str) -> Resource:
    """Names the process in traces and metrics; OTEL_RESOURCE_ATTRIBUTES adds to it (the
    manifests put the pod and namespace there)."""
    return Resource.create({"service.name": f"modmesh-{service}"})


def otlp_configured(signal: str) -> bool:
    """Whether an OTLP endpoint is set for `signal` ("traces", "metrics")."""
    return bool(
        os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
        or os.environ.get(f"OTEL_EXPORTER_OTLP_{signal.upper()}_ENDPOINT")
    )


def configure_tracing(service: str) -> TracerProvider:
    provider = TracerProvider(resource=resource(service))
    if otlp_configured("traces"):
        # Imported here so that processes without an endpoint never load the exporter.
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    return provider


def annotate(**attributes: AttributeValue) -> None:
    """Sets `modmesh.<name>` attributes on the current span.

    Only ids, hashes, versions and counts belong here: never media content, transcript
    text, account ids or anything else about a person.
    """
    span = trace.get_current_span()
    for name, value in attributes.items():
        span.set_attribute(f"modmesh.{name}", value)


# opentelemetry-instrumentation-grpc leaves these two factories unannotated.
def server_interceptor() -> Any:
    return aio_server_interceptor()  # type: ignore[no-untyped-call]


def client_interceptors() -> list[Any]:
    return list(aio_client_interceptors())  # type: ignore[no-untyped-call]
