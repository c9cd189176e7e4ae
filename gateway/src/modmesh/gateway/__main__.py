"""``python -m modmesh.gateway``: serves the REST API with uvicorn until SIGTERM, exit 0."""

from __future__ import annotations

import signal

import structlog
import uvicorn

from modmesh.gateway.app import create_app
from modmesh.gateway.auth import CredentialsError
from modmesh.gateway.settings import GatewaySettings
from modmesh.runtime.logging import configure_logging
from modmesh.runtime.metrics import configure_metrics
from modmesh.runtime.tracing import configure_tracing

log = structlog.get_logger()


def split_address(address: str) -> tuple[str, int]:
    """Splits "host:port" or "[v6]:port" into (host, port)."""
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        raise ValueError(f"gateway address must be host:port, got {address!r}")
    return host.strip("[]"), int(port)


def main() -> None:
    settings = GatewaySettings.from_env()
    configure_logging("gateway", settings.log_level)
    tracer_provider = configure_tracing("gateway")
    meter_provider = configure_metrics("gateway", settings.metrics_port)
    host, port = split_address(settings.listen_addr("gateway"))
    # uvicorn drains on SIGTERM and then re-raises the signal for the default handler,
    # which would end the process with -SIGTERM; the drain is the whole of our answer.
    signal.signal(signal.SIGTERM, lambda _signum, _frame: None)
    try:
        try:
            app = create_app(settings)
        except CredentialsError as error:
            # A configuration mistake, not a crash: its message says what to change.
            log.error("refusing to start", reason=str(error))
            raise SystemExit(2) from None
        # uvicorn's own lifecycle lines are below the stdlib log level: say it here, as JSON.
        log.info("listening", address=f"{host}:{port}")
        uvicorn.run(
            app,
            host=host,
            port=port,
            access_log=False,  # the telemetry middleware logs each request
            log_config=None,  # keep the JSON logging configured above
            timeout_graceful_shutdown=int(settings.drain_seconds),
        )
        log.info("stopped")
    finally:
        tracer_provider.shutdown()
        meter_provider.shutdown()


if __name__ == "__main__":
    main()
