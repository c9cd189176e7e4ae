"""The policy RPCs: rule sets published, read and dry-run, and statements of reasons."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import grpc
import structlog

from modmesh.contracts.decision.v1 import decision_pb2
from modmesh.decision import convert
from modmesh.decision.policy.document import load_document, parse_rule_set
from modmesh.decision.policy.dry_run import DryRunChange, dry_run
from modmesh.decision.policy.sor import statement_of_reasons
from modmesh.decision.policy.store import RuleStore
from modmesh.decision.rpc import Rpcs, require_case_id, require_text
from modmesh.decision.store import utc_now
from modmesh.decision.tenancy import admit
from modmesh.runtime.errors import InvalidArgument
from modmesh.runtime.identity import acting_principal

log = structlog.get_logger()

DEFAULT_DRY_RUN_DAYS = 7
MAX_DRY_RUN_DAYS = 365
DEFAULT_DRY_RUN_LIMIT = 100
MAX_DRY_RUN_LIMIT = 1000


class PolicyRpcs(Rpcs):
    _rule_store: RuleStore

    async def PutRules(
        self, request: decision_pb2.PutRulesRequest, context: grpc.aio.ServicerContext
    ) -> decision_pb2.PutRulesResponse:
        self._ready()
        actor = acting_principal(request.actor, "actor")
        require_text(request.reason, "reason", "say why the rules change")
        document = await asyncio.to_thread(load_document, request.document)
        published = await asyncio.to_thread(
            self._rule_store.publish_rules,
            document,
            request.document,
            actor,
            request.reason,
        )
        log.info("rules published", version=published.rule_set.version, actor=actor)
        return decision_pb2.PutRulesResponse(rule_set=convert.rule_set_to_pb(published))

    async def GetRules(
        self, request: decision_pb2.GetRulesRequest, context: grpc.aio.ServicerContext
    ) -> decision_pb2.GetRulesResponse:
        self._ready()
        if request.version < 0:
            raise InvalidArgument("version must be positive, or 0 for the rules in force")
        if request.version == 0:
            published = await asyncio.to_thread(self._rule_store.active_rules)
        else:
            published = await asyncio.to_thread(self._rule_store.rules, request.version)
        return decision_pb2.GetRulesResponse(rule_set=convert.rule_set_to_pb(published))

    async def DryRunRules(
        self, request: decision_pb2.DryRunRulesRequest, context: grpc.aio.ServicerContext
    ) -> decision_pb2.DryRunRulesResponse:
        self._ready()
        days = request.days or DEFAULT_DRY_RUN_DAYS
        if not 1 <= days <= MAX_DRY_RUN_DAYS:
            raise InvalidArgument(f"days must be between 1 and {MAX_DRY_RUN_DAYS}", field="days")
        limit = request.limit or DEFAULT_DRY_RUN_LIMIT
        if not 1 <= limit <= MAX_DRY_RUN_LIMIT:
            raise InvalidArgument(f"limit must be between 1 and {MAX_DRY_RUN_LIMIT}", field="limit")
        current = (await asyncio.to_thread(self._rule_store.active_rules)).rule_set
        document = await asyncio.to_thread(load_document, request.document)
        proposed = await asyncio.to_thread(parse_rule_set, document, current.version + 1)
        since = utc_now() - timedelta(days=days)
        cases = await asyncio.to_thread(self._rule_store.decided_since, since)
        report = await asyncio.to_thread(dry_run, current, proposed, cases)
        return decision_pb2.DryRunRulesResponse(
            cases_considered=report.considered,
            cases_changed=len(report.changes),
            changes=[_change_to_pb(change) for change in report.changes[:limit]],
            compared_with_version=current.version,
        )

    async def GetStatementOfReasons(
        self,
        request: decision_pb2.GetStatementOfReasonsRequest,
        context: grpc.aio.ServicerContext,
    ) -> decision_pb2.GetStatementOfReasonsResponse:
        self._ready()
        require_case_id(request.case_id)
        await admit(self._case_owners, request.case_id)
        case = await asyncio.to_thread(self._rule_store.get, request.case_id)
        return decision_pb2.GetStatementOfReasonsResponse(
            statement_json=json.dumps(statement_of_reasons(case), ensure_ascii=False)
        )


def _change_to_pb(change: DryRunChange) -> decision_pb2.OutcomeChange:
    before, after = change.before, change.after
    return decision_pb2.OutcomeChange(
        case_id=change.case_id,
        before_status=convert.status_to_pb(before.status),
        before_priority=convert.priority_to_pb(before.priority),
        before_rule=convert.rule_ref_to_pb(before.rule),
        after_status=convert.status_to_pb(after.status),
        after_priority=convert.priority_to_pb(after.priority),
        after_rule=convert.rule_ref_to_pb(after.rule),
    )
