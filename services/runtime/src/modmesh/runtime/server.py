"""The one gRPC server bootstrap every modmesh service runs on.

It wires what each service would otherwise repeat: grpc.health.v1 (NOT_SERVING until
the service's model or index is loaded), reflection, tracing, RED metrics, the error
interceptor that turns domain errors into statuses, service identity (every call but
health checks needs a service token), keepalive and a maximum connection age, JSON logs,
and SIGTERM → NOT_SERVING → drain → exit 0.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, TypeVar

import grpc
import structlog
from google.protobuf import any_pb2
from google.protobuf.message import Message
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from grpc_status import rpc_status
from opentelemetry import trace

from modmesh.runtime.background import Periodic
from modmesh.runtime.clients import MAX_MESSAGE_BYTES
from modmesh.runtime.errors import ServiceError, Unavailable
from modmesh.runtime.handlers import wrap_behavior
from modmesh.runtime.identity import Identity, ServiceIdentityInterceptor, ServiceKeyError
from modmesh.runtime.logging import configure_logging
from modmesh.runtime.metrics import RpcMetricsInterceptor, configure_metrics
from modmesh.runtime.settings import MeshSettings
from modmesh.runtime.tracing import configure_tracing, server_interceptor

log = structlog.get_logger()

#: The settings class of the service being run: the shared part plus its own fields.
S = TypeVar("S", bound=MeshSettings)

#: The grpc.health.v1 service name that reports SERVING from start until shutdown: what
#: liveness probes ask (readiness probes ask the overall status, "").
LIVENESS = "liveness"
SERVING, NOT_SERVING = (
    health_pb2.HealthCheckResponse.SERVING,
    health_pb2.HealthCheckResponse.NOT_SERVING,
)
#: How often a serving process asks its dependencies whether it can still serve.
READINESS_CHECK_SECONDS = 2.0
#: The retry delay a caller is told when a dependency is down.
DEPENDENCY_RETRY_SECONDS = 2.0

#: Keepalive on the server side: ping idle clients to find dead ones, and permit the
#: clients' own pings (modmesh.runtime.clients.KEEPALIVE_OPTIONS) without calling them
#: abusive.
KEEPALIVE_OPTIONS = [
    ("grpc.keepalive_time_ms", 60_000),
    ("grpc.keepalive_timeout_ms", 20_000),
    ("grpc.keepalive_permit_without_calls", 1),
    ("grpc.http2.min_ping_interval_without_data_ms", 10_000),
    ("grpc.http2.max_pings_without_data", 0),
]
#: The largest request a server reads; a larger one is RESOURCE_EXHAUSTED before it is
#: read into memory. The largest we send are far below it: a 4-hour transcript for
#: termmatch's Match is about 2 MB, a batch of an import about 1 MB. Replies (transcripts,
#: exports) may be larger: clients take MAX_MESSAGE_BYTES.
MAX_REQUEST_BYTES = 16 * 1024 * 1024
#: The trailer in which gRPC clients read how long to wait before retrying.
PUSHBACK_METADATA = "grpc-retry-pushback-ms"


def server_options(settings: MeshSettings) -> list[tuple[str, int]]:
    """Channel options of a server: keepalive, and a maximum connection age so that each
    client re-resolves its target now and then and new pods get their share of calls.
    In-flight calls (live streams included) finish on the old connection: there is no
    age grace limit, and drain on SIGTERM bounds them instead."""
    age_ms = int(settings.max_connection_age_seconds * 1000)
    return [
        ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
        ("grpc.max_receive_message_length", MAX_REQUEST_BYTES),
        *KEEPALIVE_OPTIONS,
        *([("grpc.max_connection_age_ms", age_ms)] if age_ms > 0 else []),
    ]


@dataclass
class Service:
    """What a service hands to the runtime: how to register and how to get ready."""

    #: Short name: "termmatch", "decision", …; picks the listen address and log name.
    name: str
    #: Fully-qualified gRPC service names served (from the generated DESCRIPTOR).
    grpc_services: Sequence[str]
    #: Adds the servicers to the server.
    register: Callable[[grpc.aio.Server], None]
    #: Loads models/indexes; the service reports SERVING only once it returns.
    load: Callable[[], Awaitable[None]] | None = None
    #: Releases resources after the server has drained.
    close: Callable[[], Awaitable[None]] | None = None
    #: Asks what the service depends on (its database) whether it can serve; raises when
    #: it cannot. Polled while serving: readiness follows it, so a service whose database
    #: is down reports NOT_SERVING and takes no new work until it is back.
    check: Callable[[], Awaitable[None]] | None = None
    #: Errors that mean a dependency is down, not that the request was wrong: answered
    #: with UNAVAILABLE (and a retry delay), which callers retry.
    unavailable_on: tuple[type[Exception], ...] = ()
    extra_interceptors: list[grpc.aio.ServerInterceptor] = field(default_factory=list)


def _status_for(error: ServiceError) -> grpc.Status:
    code = grpc.StatusCode[error.code_name]
    details: list[Message] = []
    if error.violations:
        details.append(
            error_details_pb2.BadRequest(
                field_violations=[
                    error_details_pb2.BadRequest.FieldViolation(
                        field=v.field, description=v.description
                    )
                    for v in error.violations
                ]
            )
        )
    if error.retry_after_seconds is not None:
        retry = error_details_pb2.RetryInfo()
        retry.retry_delay.FromTimedelta(timedelta(seconds=error.retry_after_seconds))
        details.append(retry)
    pushback: tuple[tuple[str, str], ...] = ()
    if error.retry_after_seconds is not None:
        # RetryInfo is for people and custom clients; gRPC's own retry reads this trailer.
        pushback = ((PUSHBACK_METADATA, str(int(error.retry_after_seconds * 1000))),)
    packed = [any_pb2.Any() for _ in details]
    for into, detail in zip(packed, details, strict=True):
        into.Pack(detail)
    status = status_pb2.Status(
        code=getattr(code_pb2, code.name), message=error.message, details=packed
    )
    converted = rpc_status.to_status(status)
    return converted._replace(trailing_metadata=(*converted.trailing_metadata, *pushback))


# grpcio ships no type information, so its base classes are Any to mypy.
class ErrorInterceptor(grpc.aio.ServerInterceptor):  # type: ignore[misc]
    """Maps domain errors to their status, a dependency that is down to UNAVAILABLE, and
    hides anything unexpected behind INTERNAL.

    No stack trace ever reaches the wire: the caller gets a message and the trace id
    under which the server logged the details.
    """

    def __init__(self, service: str, unavailable_on: tuple[type[Exception], ...] = ()) -> None:
        self._service = service
        self._unavailable_on = unavailable_on

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(handler_call_details)
        if handler is None:
            return None
        return wrap_behavior(
            handler, handler_call_details.method, self._guard_unary, self._guard_stream
        )

    def _domain_error(self, error: Exception) -> Exception:
        if isinstance(error, self._unavailable_on):
            log.warning("a dependency is unavailable", error=repr(error)[:300])
            return Unavailable(
                f"{self._service}'s database is unavailable; try again shortly",
                retry_after_seconds=DEPENDENCY_RETRY_SECONDS,
            )
        return error

    def _guard_unary(self, behavior: Callable[..., Any], method: str) -> Callable[..., Any]:
        async def guarded(request: Any, context: grpc.aio.ServicerContext) -> Any:
            try:
                return await behavior(request, context)
            except grpc.aio.AbortError:
                raise
            except Exception as error:  # noqa: BLE001 - the wire must never see a traceback
                await _abort(context, self._domain_error(error), method)

        return guarded

    def _guard_stream(self, behavior: Callable[..., Any], method: str) -> Callable[..., Any]:
        async def guarded(request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
            try:
                async for response in behavior(request, context):
                    yield response
            except grpc.aio.AbortError:
                raise
            except Exception as error:  # noqa: BLE001 - the wire must never see a traceback
                await _abort(context, self._domain_error(error), method)

        return guarded


async def _abort(context: grpc.aio.ServicerContext, error: Exception, method: str) -> None:
    if isinstance(error, ServiceError):
        log.info("request refused", method=method, code=error.code_name, reason=error.message)
        status = _status_for(error)
        await context.abort(status.code, status.details, status.trailing_metadata)
    log.error("request failed", method=method, exc_info=error)
    trace_id = format(trace.get_current_span().get_span_context().trace_id, "032x")
    await context.abort(
        grpc.StatusCode.INTERNAL, f"internal error; the server logged it under trace id {trace_id}"
    )


async def _serve(service: Service, settings: MeshSettings, identity: Identity) -> None:
    server = grpc.aio.server(
        interceptors=[
            server_interceptor(),
            RpcMetricsInterceptor(),  # outside the error mapping: it sees the final status
            ErrorInterceptor(service.name, service.unavailable_on),
            # Inside the error mapping, so that the caller it sets is there for the handler.
            ServiceIdentityInterceptor(identity),
            *service.extra_interceptors,
        ],
        options=server_options(settings),
    )
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    names = [*service.grpc_services, health.OVERALL_HEALTH]
    for name in names:
        await health_servicer.set(name, NOT_SERVING)
    # Liveness does not follow readiness: a process still loading its model is alive, and
    # a liveness probe on the overall status would restart it before it ever got ready.
    await health_servicer.set(LIVENESS, SERVING)
    service.register(server)
    reflection.enable_server_reflection(
        [*service.grpc_services, health.SERVICE_NAME, reflection.SERVICE_NAME], server
    )
    address = settings.listen_addr(service.name)
    if server.add_insecure_port(address) == 0:
        raise OSError(f"{service.name} cannot listen on {address}")
    await server.start()
    log.info("listening", address=address, ready=False)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    if service.load is not None:
        loading = asyncio.ensure_future(service.load())
        stopping = asyncio.ensure_future(stop.wait())
        await asyncio.wait({loading, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if not loading.done():
            loading.cancel()
        else:
            stopping.cancel()
            loading.result()  # a failed load stops the process with its error
    if not stop.is_set():
        for name in names:
            await health_servicer.set(name, SERVING)
        log.info("serving", address=address)
        readiness = Periodic()
        if service.check is not None:
            readiness.every(
                READINESS_CHECK_SECONDS,
                _follow_readiness(service.check, health_servicer, names),
                "readiness check",
            )
        await stop.wait()
        await readiness.stop()

    log.info("draining", grace_seconds=settings.drain_seconds)
    await health_servicer.enter_graceful_shutdown()
    await server.stop(settings.drain_seconds)
    if service.close is not None:
        await service.close()
    log.info("stopped")


def _follow_readiness(
    check: Callable[[], Awaitable[None]],
    health_servicer: health.aio.HealthServicer,
    names: Sequence[str],
) -> Callable[[], Awaitable[None]]:
    """One round of the readiness check: NOT_SERVING while the check fails (logged once
    per outage), SERVING again once it passes."""
    serving = True

    async def follow() -> None:
        nonlocal serving
        try:
            await asyncio.wait_for(check(), READINESS_CHECK_SECONDS * 2)
            ready = True
        except Exception as error:  # noqa: BLE001 - any failure means not ready
            ready = False
            if serving:
                log.warning("not ready: a dependency is unavailable", error=repr(error)[:300])
        if ready != serving:
            for name in names:
                await health_servicer.set(name, SERVING if ready else NOT_SERVING)
            if ready:
                log.info("ready again")
            serving = ready

    return follow


def run(build: Callable[[S], Service], name: str, settings_class: type[S]) -> None:
    """Entry point of a service process: configure, serve until SIGTERM, exit 0.

    Only `settings_class`'s variables are read, so a process never loads another
    service's settings or secrets.
    """
    settings = settings_class.from_env()
    configure_logging(name, settings.log_level)
    try:
        identity = Identity.load(settings, name)
    except ServiceKeyError as error:
        log.error("service key refused", reason=str(error))
        raise SystemExit(1) from None
    tracer_provider = configure_tracing(name)
    meter_provider = configure_metrics(name, settings.metrics_port)
    try:
        asyncio.run(_serve(build(settings), settings, identity))
    except Exception:
        log.exception("service failed")
        raise SystemExit(1) from None
    finally:
        # Flushes what is still batched, so the last spans and metrics are not lost.
        tracer_provider.shutdown()
        meter_provider.shutdown()
