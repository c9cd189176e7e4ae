"""Channels to other modmesh services, traced, and waiting for a service to be ready."""

from __future__ import annotations

import time

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from modmesh.runtime.tracing import client_interceptors

#: Media never rides in messages, but transcripts and hash sets can be large.
MAX_MESSAGE_BYTES = 64 * 1024 * 1024
CHANNEL_OPTIONS = [
    ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
    ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
]


def connect(address: str) -> grpc.aio.Channel:
    """An insecure, traced channel: services talk over loopback or the cluster network."""
    return grpc.aio.insecure_channel(
        address, options=CHANNEL_OPTIONS, interceptors=client_interceptors()
    )


async def accepted(call: grpc.aio.StreamStreamCall) -> bool:
    """Whether the server accepted a stream's opening message: our streaming services send
    their initial metadata once the opening is checked, and end the call if it is refused.

    Callers write nothing after the opening until this says yes: grpc-python reports a
    write that races the server's end of the call as INTERNAL in place of the server's
    own status (grpc/grpc#36066), and a refusal would reach the caller as "Internal
    error" instead of its reason.
    """
    await call.initial_metadata()
    return not call.done()


def wait_until_serving(address: str, service: str = "", timeout: float = 120.0) -> None:
    """Block until grpc.health.v1 at `address` reports SERVING for `service`.

    Raises TimeoutError naming the address and the last status seen.
    """
    deadline = time.monotonic() + timeout
    last = "no answer"
    with grpc.insecure_channel(address) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        while time.monotonic() < deadline:
            try:
                reply = stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=2)
                if reply.status == health_pb2.HealthCheckResponse.SERVING:
                    return
                last = health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)
            except grpc.RpcError as error:
                last = error.code().name
            time.sleep(0.2)
    raise TimeoutError(f"{address} not SERVING after {timeout:.0f}s (last status: {last})")
