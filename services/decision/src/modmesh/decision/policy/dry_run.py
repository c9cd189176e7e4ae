"""Dry runs: what a proposed rule set would decide differently on past cases."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from modmesh.decision.domain import Outcome
from modmesh.decision.policy.conditions import Facts
from modmesh.decision.policy.rule_set import RuleSet


@dataclass(frozen=True)
class DryRunChange:
    case_id: str
    before: Outcome
    after: Outcome


@dataclass(frozen=True)
class DryRunReport:
    considered: int
    changes: tuple[DryRunChange, ...]


def dry_run(
    current: RuleSet, proposed: RuleSet, cases: Iterable[tuple[str, Facts]]
) -> DryRunReport:
    """What `proposed` would decide differently from `current` on these cases (status,
    priority or deciding rule); nothing is stored."""
    considered = 0
    changes: list[DryRunChange] = []
    for case_id, facts in cases:
        considered += 1
        before = current.decide(facts).outcome
        after = proposed.decide(facts).outcome
        if (before.status, before.priority, before.rule.rule_id) != (
            after.status,
            after.priority,
            after.rule.rule_id,
        ):
            changes.append(DryRunChange(case_id, before, after))
    return DryRunReport(considered, tuple(changes))
