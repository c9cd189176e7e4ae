"""Published rule sets, versioned (the built-in default until an operator publishes),
and the past cases a proposed rule set is tried on."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import func, select

from modmesh.decision.audit import as_utc
from modmesh.decision.domain import Case, CaseStatus
from modmesh.decision.policy.conditions import Facts
from modmesh.decision.policy.document import DEFAULT_RULE_SET, parse_rule_set
from modmesh.decision.policy.published import DEFAULT_PUBLISHED, PublishedRuleSet
from modmesh.decision.store import StoreBase
from modmesh.decision.stored import evidence_from_json
from modmesh.decision.tables import AccountRow, CaseRow, RuleSetRow
from modmesh.runtime.errors import NotFound


class RuleStore(Protocol):
    """What the policy RPCs read and write. Blocking; call it off the event loop."""

    def active_rules(self) -> PublishedRuleSet: ...

    def rules(self, version: int) -> PublishedRuleSet: ...

    def publish_rules(
        self, document: dict[str, Any], source: str, actor: str, reason: str
    ) -> PublishedRuleSet: ...

    def decided_since(self, since: datetime) -> list[tuple[str, Facts]]: ...

    def get(self, case_id: str) -> Case: ...


class SqlRules(StoreBase):
    def active_rules(self) -> PublishedRuleSet:
        """The newest published rule set, or the built-in default before any."""
        with self._sessions() as session:
            row = session.scalars(
                select(RuleSetRow).order_by(RuleSetRow.version.desc()).limit(1)
            ).first()
            return DEFAULT_PUBLISHED if row is None else _published(row)

    def rules(self, version: int) -> PublishedRuleSet:
        if version == DEFAULT_RULE_SET.version:
            return DEFAULT_PUBLISHED
        with self._sessions() as session:
            row = session.get(RuleSetRow, version)
            if row is None:
                raise NotFound(f"rule set version {version} not found", field="version")
            return _published(row)

    def publish_rules(
        self, document: dict[str, Any], source: str, actor: str, reason: str
    ) -> PublishedRuleSet:
        """Checks the document and stores it as the next version, in force at once."""
        with self._write() as session:
            newest = session.scalars(select(func.max(RuleSetRow.version))).one()
            version = max(newest or 0, DEFAULT_RULE_SET.version) + 1
            parse_rule_set(document, version)  # refuses a bad document before anything
            row = RuleSetRow(
                version=version,
                document=document,
                source=source,
                actor=actor,
                reason=reason,
                created_at=self._now(),
            )
            session.add(row)
            self._audit(
                session,
                "rules.published",
                f"rules/v{version}",
                {
                    "version": version,
                    "reason": reason,
                    "rules": [rule["id"] for rule in document["rules"]],
                    "document_sha256": hashlib.sha256(source.encode()).hexdigest(),
                },
                actor=actor,
            )
            return _published(row)

    def decided_since(self, since: datetime) -> list[tuple[str, Facts]]:
        """The facts of every case analysed since `since` (oldest first), for dry runs."""
        query = (
            select(CaseRow.id, CaseRow.evidence, AccountRow.flags)
            .outerjoin(AccountRow, AccountRow.account_id == CaseRow.account_id)
            .where(
                CaseRow.created_at >= as_utc(since),
                # Only analysed cases have evidence (JSON null is not SQL NULL in SQLite).
                CaseRow.status.not_in([CaseStatus.PROCESSING.value, CaseStatus.FAILED.value]),
            )
            .order_by(CaseRow.created_at.asc(), CaseRow.id.asc())
        )
        with self._sessions() as session:
            return [
                (case_id, Facts(evidence_from_json(evidence), frozenset(flags or ())))
                for case_id, evidence, flags in session.execute(query)
            ]


def _published(row: RuleSetRow) -> PublishedRuleSet:
    return PublishedRuleSet(
        parse_rule_set(row.document, row.version),
        row.source,
        row.actor,
        row.reason,
        as_utc(row.created_at),
    )
