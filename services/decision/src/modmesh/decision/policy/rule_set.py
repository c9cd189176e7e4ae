"""A rule set: rules tried in order, the first whose conditions hold deciding the case's
outcome and statement of reasons; the built-in default document."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from modmesh.contracts.evidence import Severity
from modmesh.decision.domain import ActionType, CaseStatus, Evidence, Outcome, Priority, RuleRef
from modmesh.decision.policy.conditions import Condition, Facts
from modmesh.decision.policy.explain import explain, explain_no_rule, explain_untranscribed

#: A near-duplicate of a known item is as serious as a high-severity term.
SIMILARITY_SEVERITY = Severity.HIGH
#: Hours a queued case may wait when its rule names no SLA.
DEFAULT_SLA_HOURS = 24.0

_PRIORITY_FOR = {
    # A hit whose list gave no severity is still evidence, so it is queued, but last.
    Severity.UNSPECIFIED: Priority.LOW,
    Severity.LOW: Priority.LOW,
    Severity.MEDIUM: Priority.MEDIUM,
    Severity.HIGH: Priority.HIGH,
    Severity.CRITICAL: Priority.URGENT,
}


class OutcomeKind(enum.Enum):
    QUEUE = "queue"
    AUTO_ACTION = "auto_action"
    IGNORE = "ignore"


@dataclass(frozen=True)
class RuleOutcome:
    kind: OutcomeKind
    #: For QUEUE: None means "as urgent as the worst evidence".
    priority: Priority | None = None
    sla_hours: float = DEFAULT_SLA_HOURS
    #: For AUTO_ACTION: the action taken and the policy it applies.
    action: ActionType | None = None
    policy: str = ""
    #: For IGNORE: why the operator chose to ignore such evidence.
    reason: str = ""


@dataclass(frozen=True)
class Rule:
    rule_id: str
    description: str
    #: "all": every condition must hold; "any": one is enough.
    mode: str
    conditions: tuple[Condition, ...]
    outcome: RuleOutcome

    def holds(self, facts: Facts) -> bool:
        results = (condition.holds(facts) for condition in self.conditions)
        return all(results) if self.mode == "all" else any(results)


@dataclass(frozen=True)
class Decision:
    """A rule set's verdict on one case: the outcome to store and, for a rule that acts
    by itself, the action to take."""

    outcome: Outcome
    sla_hours: float | None = None
    auto_action: ActionType | None = None
    policy: str = ""


@dataclass(frozen=True)
class RuleSet:
    version: int
    rules: tuple[Rule, ...]
    #: The document as the operator wrote it, parsed (what GetRules returns).
    document: dict[str, Any] = field(default_factory=dict, compare=False)

    def decide(self, facts: Facts) -> Decision:
        for rule in self.rules:
            if rule.holds(facts):
                return self._apply(rule, facts)
        ref = RuleRef("", self.version)
        transcript = facts.evidence.transcript
        if transcript is not None and transcript.untranscribed:
            # Never ignored: a person who speaks the language listens (routing follows
            # the transcript's language), and nothing is done for the language itself.
            statement = explain_untranscribed(self.version, facts)
            return Decision(
                Outcome(CaseStatus.OPEN, Priority.LOW, ref, statement),
                sla_hours=DEFAULT_SLA_HOURS,
            )
        status = CaseStatus.DISMISSED if facts.has_evidence else CaseStatus.NO_EVIDENCE
        return Decision(Outcome(status, None, ref, explain_no_rule(self.version, facts)))

    def _apply(self, rule: Rule, facts: Facts) -> Decision:
        ref = RuleRef(rule.rule_id, self.version)
        outcome = rule.outcome
        evidence = facts.evidence
        if outcome.kind is OutcomeKind.IGNORE:
            ignored = explain(
                ref, f"evidence ignored by the operator's rule ({outcome.reason})", evidence
            )
            return Decision(Outcome(CaseStatus.DISMISSED, None, ref, ignored))
        priority = outcome.priority or _evidence_priority(evidence)
        if outcome.kind is OutcomeKind.AUTO_ACTION and facts.protected:
            verdict = (
                f"queued for human review with priority {priority.name.lower()} in the "
                f"protected accounts' queue instead of {_action_of(outcome).name} applied "
                "automatically: the account is protected and never auto-actioned"
            )
            return Decision(
                Outcome(CaseStatus.OPEN, priority, ref, explain(ref, verdict, evidence)),
                sla_hours=DEFAULT_SLA_HOURS,
            )
        if outcome.kind is OutcomeKind.AUTO_ACTION:
            verdict = (
                f"{_action_of(outcome).name} applied automatically under policy "
                f'"{outcome.policy}", as this rule allows; the account can appeal'
            )
            return Decision(
                Outcome(CaseStatus.CLOSED, priority, ref, explain(ref, verdict, evidence)),
                auto_action=_action_of(outcome),
                policy=outcome.policy,
            )
        verdict = (
            f"queued for human review with priority {priority.name.lower()} "
            f"(to be reviewed within {outcome.sla_hours:g} h). "
            "Nothing was actioned automatically; a reviewer decides"
        )
        return Decision(
            Outcome(CaseStatus.OPEN, priority, ref, explain(ref, verdict, evidence)),
            sla_hours=outcome.sla_hours,
        )


def _action_of(outcome: RuleOutcome) -> ActionType:
    if outcome.action is None:
        raise ValueError("an auto_action outcome names its action")  # parsing ensures it
    return outcome.action


def _evidence_priority(evidence: Evidence) -> Priority:
    severities = [hit.severity for hit in evidence.term_hits]
    if evidence.similarity_matches:
        severities.append(SIMILARITY_SEVERITY)
    return _PRIORITY_FOR[max(severities, default=Severity.UNSPECIFIED)]


#: The model the scoring service embeds with (its ScoreResponse.model).
SAMPLE_MODEL = "sentence-transformers/all-MiniLM-L6-v2"

DEFAULT_DOCUMENT: dict[str, Any] = {
    "description": "The default: any listed term or known item goes to a person, and so "
    "does speech that resembles the sample scam examples.",
    "rules": [
        {
            "id": "default-any-evidence",
            "description": "Any term hit (by sound too, where a list asks for such hits) or "
            "similarity match is queued for human review, as urgent as its worst evidence. "
            "Nothing is actioned automatically.",
            "when": {"any": [{"term_hits": {"sounds_like": True}}, {"similarity": {}}]},
            "then": {"queue": {"priority": "evidence", "sla_hours": DEFAULT_SLA_HOURS}},
        },
        {
            "id": "sample-scam-score",
            "description": "The sample example set's scam score at or above its threshold "
            "is queued for human review with priority low: a score only resembles examples "
            "and never acts by itself.",
            "when": {"all": [{"model_score": {"model": SAMPLE_MODEL, "category": "scam"}}]},
            "then": {"queue": {"priority": "low", "sla_hours": DEFAULT_SLA_HOURS}},
        },
    ],
}
#: The rule that decides cases until an operator publishes a rule set of their own.
DEFAULT_RULE = RuleRef("default-any-evidence", 1)
