"""One server span, one duration measurement and one JSON log event per HTTP request.

The span is current while the route runs, so the gRPC client interceptors carry its
trace to every service the request reaches. Spans and logs hold the method, the route
template and the status only: no query, body, client address or other personal data.
"""

from __future__ import annotations

import time

import structlog
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind, StatusCode
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from modmesh.runtime.metrics import duration_histogram

from .errors import current_trace_id, internal_error_response

log = structlog.get_logger()


class RequestTelemetry:
    """ASGI middleware; also the last resort that turns a crash into a JSON 500."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.tracer = trace.get_tracer("modmesh.gateway")
        self.duration = duration_histogram(
            "http.server.request.duration", "Time to answer one request, by route and status."
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method: str = scope["method"]
        status = 500
        response_started = False

        async def send_and_watch(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status = message["status"]
                response_started = True
            await send(message)

        # A caller that traces its own work (traceparent header) gets our span as a child.
        parent = propagate.extract(
            {key.decode("latin-1"): value.decode("latin-1") for key, value in scope["headers"]}
        )
        started = time.perf_counter()
        with self.tracer.start_as_current_span(
            method,
            context=parent,
            kind=SpanKind.SERVER,
            attributes={"http.request.method": method},
            record_exception=False,
        ) as span:
            try:
                await self.app(scope, receive, send_and_watch)
            except Exception as error:
                log.error("request failed", exc_info=error)
                if response_started:
                    raise
                await internal_error_response(current_trace_id())(scope, receive, send_and_watch)
            finally:
                # The router records the matched route in the scope; unmatched paths have none.
                route = getattr(scope.get("route"), "path", None)
                if route is not None:
                    span.update_name(f"{method} {route}")
                    span.set_attribute("http.route", route)
                span.set_attribute("http.response.status_code", status)
                if status >= 500:
                    span.set_status(StatusCode.ERROR)
                elapsed = time.perf_counter() - started
                # The route template, never the path: ids in paths would explode the series.
                self.duration.record(
                    elapsed,
                    {
                        "http.request.method": method,
                        "http.route": route or "unmatched",
                        "http.response.status_code": status,
                    },
                )
                log.info(
                    "request",
                    method=method,
                    path=scope["path"],
                    status=status,
                    duration_ms=round(elapsed * 1000, 1),
                )
