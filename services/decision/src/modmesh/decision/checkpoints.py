"""GetAuditCheckpoint: the audit log's head, verified and signed by decision, for the
gateway's auditors to keep elsewhere (see modmesh.runtime.checkpoint)."""

from __future__ import annotations

import asyncio
from typing import Protocol

import grpc

from modmesh.contracts.decision.v1 import decision_pb2
from modmesh.decision.rpc import Rpcs
from modmesh.decision.settings import AUDIT_SIGNING_KEY_ENV
from modmesh.runtime import checkpoint
from modmesh.runtime.checkpoint import Checkpoint, SigningKey
from modmesh.runtime.errors import FailedPrecondition


class AuditLog(Protocol):
    def audit_checkpoint(self, signer: SigningKey) -> Checkpoint: ...


class CheckpointRpcs(Rpcs):
    _audit_log: AuditLog
    #: None when decision has no signing key: it then signs nothing.
    _audit_signer: SigningKey | None

    async def GetAuditCheckpoint(
        self, request: decision_pb2.GetAuditCheckpointRequest, context: grpc.aio.ServicerContext
    ) -> decision_pb2.GetAuditCheckpointResponse:
        self._ready()
        if self._audit_signer is None:
            raise FailedPrecondition(
                f"decision signs no checkpoints: {AUDIT_SIGNING_KEY_ENV} is not set"
            )
        try:
            signed = await asyncio.to_thread(self._audit_log.audit_checkpoint, self._audit_signer)
        except checkpoint.CheckpointError as error:
            raise FailedPrecondition(str(error)) from None
        return decision_pb2.GetAuditCheckpointResponse(
            checkpoint=decision_pb2.AuditCheckpoint(
                log=signed.log,
                entries=signed.entries,
                head_id=signed.head_id,
                head_hash=signed.head_hash,
                at=signed.at,
                public_key=signed.public_key,
                signature=signed.signature,
            )
        )
