"""The operator's rule sets: publish, read, and dry-run a change (decision)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from modmesh.contracts.decision.v1 import decision_pb2
from modmesh.runtime.roles import Role

from ..auth import PolicyAdmin, roles
from ..openapi import proto_response
from ..schemas import DryRunIn, RulesIn
from .common import ERRORS, RPC_TIMEOUT_SECONDS, Services, to_json

router = APIRouter()
PROTO_SCHEMAS = [decision_pb2.RuleSet.DESCRIPTOR, decision_pb2.DryRunRulesResponse.DESCRIPTOR]

#: Dry runs decide every case of the window again; they may take a while.
DRY_RUN_TIMEOUT_SECONDS = 120.0


@router.get(
    "/v1/rules",
    dependencies=roles(Role.POLICY_ADMIN, Role.AUDITOR),
    response_model=None,
    tags=["rules"],
    summary="The rule set in force, or an earlier version",
    responses={200: proto_response(decision_pb2.RuleSet.DESCRIPTOR), **ERRORS},
)
async def get_rules(
    services: Services,
    version: Annotated[
        int, Query(ge=0, le=2**63 - 1, description="0 (default): the rules in force.")
    ] = 0,
) -> dict[str, Any]:
    reply = await services.decision.GetRules(
        decision_pb2.GetRulesRequest(version=version), timeout=RPC_TIMEOUT_SECONDS
    )
    return to_json(reply.rule_set)


@router.put(
    "/v1/rules",
    response_model=None,
    tags=["rules"],
    status_code=201,
    summary="Publish a rule set; it decides every case analysed from now on",
    response_description="The published rule set with its new version.",
    responses={201: proto_response(decision_pb2.RuleSet.DESCRIPTOR), **ERRORS},
)
async def put_rules(
    body: RulesIn, response: Response, services: Services, admin: PolicyAdmin
) -> dict[str, Any]:
    reply = await services.decision.PutRules(
        body.to_proto(admin.subject), timeout=RPC_TIMEOUT_SECONDS
    )
    response.headers["Location"] = f"/v1/rules?version={reply.rule_set.version}"
    return to_json(reply.rule_set)


@router.post(
    "/v1/rules/dry-run",
    dependencies=roles(Role.POLICY_ADMIN),
    response_model=None,
    tags=["rules"],
    summary="What a rule set would decide differently on recent cases (stores nothing)",
    responses={200: proto_response(decision_pb2.DryRunRulesResponse.DESCRIPTOR), **ERRORS},
)
async def dry_run_rules(body: DryRunIn, services: Services) -> dict[str, Any]:
    reply = await services.decision.DryRunRules(body.to_proto(), timeout=DRY_RUN_TIMEOUT_SECONDS)
    return to_json(reply)
