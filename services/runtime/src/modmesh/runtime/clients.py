"""Channels to other modmesh services: authenticated, traced, balanced, retried, and
waiting for a service to be ready.

Addresses are gRPC targets. In Kubernetes they are ``dns:///<headless service>:<port>``:
the resolver returns every ready pod and ``round_robin`` spreads calls over all of them
(a plain ClusterIP would pin each client's one HTTP/2 connection to one pod). Servers
close connections after a maximum age (see modmesh.runtime.server), so a client
re-resolves and reaches pods started after it connected.
"""

from __future__ import annotations

import json
import time

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from modmesh.runtime.identity import Identity, TokenInterceptor, aio_token_interceptors
from modmesh.runtime.tracing import client_interceptors

#: Media never rides in messages, but transcripts and hash sets can be large.
MAX_MESSAGE_BYTES = 64 * 1024 * 1024
CHANNEL_OPTIONS = [
    ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
    ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
]
#: Pings on idle connections find a dead peer (a pod gone without a FIN) in ~40 s instead
#: of the kernel's hours; servers permit pings this often (server.KEEPALIVE_OPTIONS).
KEEPALIVE_OPTIONS = [
    ("grpc.keepalive_time_ms", 30_000),
    ("grpc.keepalive_timeout_ms", 10_000),
    ("grpc.keepalive_permit_without_calls", 1),
    ("grpc.http2.max_pings_without_data", 0),
]
#: Retried statuses: the engine was not there (a pod restarting, a connection cut by a
#: drain) or asked us to come back later. gRPC honours a server's pushback
#: (grpc-retry-pushback-ms, which the runtime's servers send with every RetryInfo).
RETRY_POLICY = {
    "maxAttempts": 5,
    "initialBackoff": "0.2s",
    "maxBackoff": "5s",
    "backoffMultiplier": 2,
    "retryableStatusCodes": ["UNAVAILABLE", "RESOURCE_EXHAUSTED"],
}
#: Named here, not imported: the runtime depends on no service's contracts.
TERMMATCH = "modmesh.termmatch.v1.TermMatchService"
DECISION = "modmesh.decision.v1.DecisionService"
TRANSCRIPTION = "modmesh.transcription.v1.TranscriptionService"


def service_config(wait_for_ready: bool) -> str:
    """The channels' gRPC service config: round_robin over every resolved address, the
    retry policy, and per-method deadlines where a call's cost is known."""
    every_method = {"waitForReady": wait_for_ready, "retryPolicy": RETRY_POLICY}
    return json.dumps(
        {
            "loadBalancingConfig": [{"round_robin": {}}],
            "methodConfig": [
                {"name": [{}], **every_method},
                # Health checks answer from memory: a slow one means a sick peer, and a
                # readiness probe must not wait for a peer to come up.
                {"name": [{"service": "grpc.health.v1.Health"}], "timeout": "5s"},
                # Live streams are not retried by the channel: their clients resume from
                # the last ack (a retried bidi stream would replay what was sent).
                {
                    "name": [
                        {"service": DECISION, "method": "ModerateStream"},
                        {"service": TRANSCRIPTION, "method": "TranscribeStream"},
                    ],
                    "waitForReady": wait_for_ready,
                },
                # Matching a transcript is one in-memory automaton pass.
                {
                    "name": [
                        {"service": "modmesh.termmatch.v1.TermMatchService", "method": "Match"}
                    ],
                    **every_method,
                    "timeout": "60s",
                },
            ],
            # Retries stop while most recent calls fail: no retry storm against a
            # service that is down for good.
            "retryThrottling": {"maxTokens": 10, "tokenRatio": 0.1},
        }
    )


#: Between services: an engine that is restarting is waited for (within the call's
#: deadline) instead of failing the case at once.
MESH_CHANNEL_OPTIONS = [
    *CHANNEL_OPTIONS,
    *KEEPALIVE_OPTIONS,
    ("grpc.service_config", service_config(wait_for_ready=True)),
]
#: For a person waiting (the CLI, the gateway's clients): a service that is not running is
#: said at once, after the retries.
OPERATOR_CHANNEL_OPTIONS = [
    *CHANNEL_OPTIONS,
    *KEEPALIVE_OPTIONS,
    ("grpc.service_config", service_config(wait_for_ready=False)),
]


def connect(address: str, identity: Identity, *, wait_for_ready: bool = True) -> grpc.aio.Channel:
    """A channel to another service of the mesh, each call carrying `identity`'s token.

    `wait_for_ready`: calls wait (within their deadline) for a service that is not up, as
    decision's calls to the engines do; a caller with a person waiting on the other end
    (the gateway) says False and answers UNAVAILABLE after the retries instead.
    Plaintext: the token authenticates the caller, NetworkPolicies confine who can reach
    a port; see docs/adr/0007-service-tokens.md.
    """
    options = MESH_CHANNEL_OPTIONS if wait_for_ready else OPERATOR_CHANNEL_OPTIONS
    return grpc.aio.insecure_channel(
        address,
        options=options,
        interceptors=[*aio_token_interceptors(identity), *client_interceptors()],
    )


def blocking_channel(address: str, identity: Identity) -> grpc.Channel:
    """The same for blocking code (the CLI, tests), failing fast when nothing listens."""
    channel = grpc.insecure_channel(address, options=OPERATOR_CHANNEL_OPTIONS)
    return grpc.intercept_channel(channel, TokenInterceptor(identity))


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
