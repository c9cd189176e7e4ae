"""A rule set as published: who published it, when and why."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from modmesh.decision.policy.document import DEFAULT_RULE_SET
from modmesh.decision.policy.rule_set import DEFAULT_DOCUMENT, RuleSet


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
