"""Metrics set up once per process, next to tracing: RED per RPC from one server
interceptor, a small gauge API for the state only a service knows, and two ways out:
OTLP (when an endpoint is configured, as for traces) and a Prometheus endpoint (when
MODMESH_METRICS_PORT is set; 0, the local default, serves none).

Names (Prometheus spelling in brackets; docs/operations.md has the queries):
- rpc.server.duration [rpc_server_duration_seconds]: histogram per rpc.service,
  rpc.method and rpc.grpc.status_code; its count is the rate, the count of non-zero
  codes the errors.
- http.server.request.duration [http_server_request_duration_seconds]: the gateway's.
- gauges a service declares with `Gauge`, named modmesh.<service>.<what>.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc
from opentelemetry import metrics
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import MetricReader, PeriodicExportingMetricReader

from modmesh.runtime.handlers import Behavior, wrap_behavior
from modmesh.runtime.tracing import otlp_configured, resource

#: Seconds: from a term match on a short text to a transcription of a long clip.
DURATION_BUCKETS = (
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0,
)  # fmt: skip


def configure_metrics(service: str, prometheus_port: int) -> MeterProvider:
    readers: list[MetricReader] = []
    if otlp_configured("metrics"):
        # Imported here so that processes without an endpoint never load the exporter.
        from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import OTLPMetricExporter

        readers.append(PeriodicExportingMetricReader(OTLPMetricExporter()))
    if prometheus_port:
        from opentelemetry.exporter.prometheus import PrometheusMetricReader
        from prometheus_client import start_http_server

        start_http_server(prometheus_port)
        readers.append(PrometheusMetricReader())
    provider = MeterProvider(resource=resource(service), metric_readers=readers)
    metrics.set_meter_provider(provider)
    return provider


def meter() -> metrics.Meter:
    return metrics.get_meter("modmesh")


def duration_histogram(name: str, description: str) -> metrics.Histogram:
    return meter().create_histogram(
        name,
        unit="s",
        description=description,
        explicit_bucket_boundaries_advisory=list(DURATION_BUCKETS),
    )


class Gauge:
    """A value a service sets when it changes: list versions, index size, queue depth.

    Declare one per name at module level (before the provider exists is fine); `set` it
    with the attributes that tell its series apart.
    """

    def __init__(self, name: str, description: str, unit: str = "") -> None:
        self._gauge = meter().create_gauge(name, unit=unit, description=description)

    def set(self, value: float, **attributes: str) -> None:
        self._gauge.set(value, attributes or None)


# grpcio ships no type information, so its base classes are Any to mypy.
class RpcMetricsInterceptor(grpc.aio.ServerInterceptor):  # type: ignore[misc]
    """Records each RPC's duration under its service, method and final status code."""

    def __init__(self) -> None:
        self._duration = duration_histogram(
            "rpc.server.duration", "Time to answer one RPC, by method and status code."
        )

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(handler_call_details)
        if handler is None:
            return None
        return wrap_behavior(handler, handler_call_details.method, self._unary, self._stream)

    def _record(self, method: str, started: float, context: grpc.aio.ServicerContext) -> None:
        service, _, name = method.lstrip("/").rpartition("/")
        code = context.code()
        # A handler that returns normally leaves the code unset: that is OK.
        value = code.value[0] if isinstance(code, grpc.StatusCode) else int(code or 0)
        self._duration.record(
            time.perf_counter() - started,
            {
                "rpc.system": "grpc",
                "rpc.service": service,
                "rpc.method": name,
                "rpc.grpc.status_code": value,
            },
        )

    def _unary(self, behavior: Behavior, method: str) -> Behavior:
        async def measured(request: Any, context: grpc.aio.ServicerContext) -> Any:
            started = time.perf_counter()
            try:
                return await behavior(request, context)
            finally:
                self._record(method, started, context)

        return measured

    def _stream(self, behavior: Behavior, method: str) -> Behavior:
        async def measured(request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
            started = time.perf_counter()
            try:
                async for response in behavior(request, context):
                    yield response
            finally:
                self._record(method, started, context)

        return measured
