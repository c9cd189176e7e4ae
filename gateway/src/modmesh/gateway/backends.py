"""The gRPC stubs the gateway calls, over traced channels opened for the app's lifetime."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from modmesh.contracts.decision.v1 import decision_pb2_grpc
from modmesh.contracts.similarity.v1 import similarity_pb2_grpc
from modmesh.contracts.termmatch.v1 import termmatch_pb2_grpc
from modmesh.runtime.clients import connect
from modmesh.runtime.identity import Identity
from modmesh.runtime.settings import MeshSettings

#: The services readiness depends on; transcription is reached only through decision,
#: but a case cannot finish without it.
SERVICES = ("decision", "termmatch", "similarity", "transcription")
#: A readiness probe must answer fast, whatever the state of the services behind.
HEALTH_TIMEOUT_SECONDS = 2.0


@dataclass(frozen=True)
class Backends:
    channels: dict[str, grpc.aio.Channel]
    decision: decision_pb2_grpc.DecisionServiceStub
    termmatch: termmatch_pb2_grpc.TermMatchServiceStub
    similarity: similarity_pb2_grpc.SimilarityServiceStub

    @classmethod
    def connect(cls, settings: MeshSettings, identity: Identity) -> Backends:
        """Opens the channels; must run inside the event loop that will use them. Each call
        carries the gateway's service token, naming the user the request is served for."""
        # A person or a client waits on every call: a service that is down is said at once
        # (UNAVAILABLE, a 503 or close code 1013), not waited for.
        channels = {
            name: connect(getattr(settings, f"{name}_addr"), identity, wait_for_ready=False)
            for name in SERVICES
        }
        return cls(
            channels=channels,
            decision=decision_pb2_grpc.DecisionServiceStub(channels["decision"]),
            termmatch=termmatch_pb2_grpc.TermMatchServiceStub(channels["termmatch"]),
            similarity=similarity_pb2_grpc.SimilarityServiceStub(channels["similarity"]),
        )

    async def health(self) -> dict[str, str]:
        """Each service's grpc.health.v1 status name, or the status code reaching it."""
        names = list(self.channels)
        found = await asyncio.gather(*(self._check(self.channels[name]) for name in names))
        return dict(zip(names, found, strict=True))

    @staticmethod
    async def _check(channel: grpc.aio.Channel) -> str:
        try:
            reply = await health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(), timeout=HEALTH_TIMEOUT_SECONDS
            )
        except grpc.aio.AioRpcError as error:
            return str(error.code().name)
        status: str = health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)
        return status

    async def close(self) -> None:
        await asyncio.gather(*(channel.close() for channel in self.channels.values()))
