"""Who the audit log names for a change asked over gRPC.

Today the caller names the end user in the request's `actor` field: the gateway sets the
authenticated principal's subject, the CLI its operator. Where the service plane
authenticates its callers, their credential decides instead, here, in one place.
"""

from __future__ import annotations

from typing import Protocol

import grpc

#: Recorded for a change whose caller named nobody.
UNATTRIBUTED = "unattributed"


class NamesActor(Protocol):
    @property
    def actor(self) -> str: ...


def actor_of(request: NamesActor, context: grpc.aio.ServicerContext) -> str:
    """The actor of a mutating request (the context is where a credential will be read)."""
    return request.actor or UNATTRIBUTED
