"""Published rule sets, versioned; the built-in default until an operator publishes."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from modmesh.decision.audit import as_utc
from modmesh.decision.rules import (
    DEFAULT_DOCUMENT,
    DEFAULT_RULE_SET,
    RuleSet,
    parse_rule_set,
)
from modmesh.decision.storage.base import StoreBase
from modmesh.decision.tables import (
    RuleSetRow,
)
from modmesh.runtime.errors import NotFound


@dataclass(frozen=True)
class PublishedRuleSet:
    """A rule set with who published it, when and why (the default has no publisher)."""

    rule_set: RuleSet
    source: str
    actor: str
    reason: str
    created_at: datetime | None


DEFAULT_PUBLISHED = PublishedRuleSet(
    DEFAULT_RULE_SET,
    json.dumps(DEFAULT_DOCUMENT, indent=2),
    "modmesh",
    "the built-in default, in force until an operator publishes rules",
    None,
)


class RuleSets(StoreBase):
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


def _published(row: RuleSetRow) -> PublishedRuleSet:
    return PublishedRuleSet(
        parse_rule_set(row.document, row.version),
        row.source,
        row.actor,
        row.reason,
        as_utc(row.created_at),
    )
