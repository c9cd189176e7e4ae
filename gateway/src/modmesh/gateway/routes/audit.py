"""The audit log's signed head (decision), for auditors to keep outside the database."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from modmesh.contracts.decision.v1 import decision_pb2
from modmesh.runtime.roles import Role

from ..auth import roles
from ..openapi import proto_response
from .common import ERRORS, Services

router = APIRouter()
PROTO_SCHEMAS = [decision_pb2.AuditCheckpoint.DESCRIPTOR]

#: Signing verifies the whole log first.
CHECKPOINT_TIMEOUT_SECONDS = 300.0


@router.get(
    "/v1/audit/checkpoint",
    dependencies=roles(Role.AUDITOR, Role.POLICY_ADMIN),
    response_model=None,
    tags=["audit"],
    summary="The audit log's head, verified and signed (Ed25519)",
    description="Save the body as a file and check the log against it later with "
    "`modmesh audit verify --checkpoint FILE`: a cut tail or a rewritten chain fails. "
    "409 when the log does not verify or decision has no signing key.",
    responses={200: proto_response(decision_pb2.AuditCheckpoint.DESCRIPTOR), **ERRORS},
)
async def audit_checkpoint(services: Services) -> dict[str, Any]:
    reply = await services.decision.GetAuditCheckpoint(
        decision_pb2.GetAuditCheckpointRequest(), timeout=CHECKPOINT_TIMEOUT_SECONDS
    )
    signed = reply.checkpoint
    # Integers stay numbers (protobuf's JSON writes int64 as text): the body is the
    # file `modmesh audit checkpoint` writes, byte for byte what was signed.
    return {
        "log": signed.log,
        "entries": signed.entries,
        "head_id": signed.head_id,
        "head_hash": signed.head_hash,
        "at": signed.at,
        "public_key": signed.public_key,
        "signature": signed.signature,
    }
