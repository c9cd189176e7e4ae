"""Operator-defined rules: they turn a case's evidence into an outcome and a statement of
reasons a person can check.

A rule set is a document (YAML or JSON) of rules tried in order; the first whose
conditions hold decides. Each rule says `when` (conditions over term hits, similarity
matches, account flags and model scores, all or any of them) and `then` (queue for human
review with a priority and an SLA, act automatically — only where the rule says so — or
ignore). A document is checked whole before it is accepted: unknown fields, conditions
that can never hold and rules that detected language alone would trigger are refused,
each with the path of the offending part. Every published rule set gets a version; a
case names the rule and the version that decided it.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from modmesh.contracts.evidence import Severity, TimeRange
from modmesh.decision.domain import (
    ActionType,
    CaseStatus,
    Evidence,
    Outcome,
    Priority,
    RuleRef,
    SimilarityMatch,
    TermHit,
)
from modmesh.runtime.errors import FieldViolation, InvalidArgument

#: A near-duplicate of a known item is as serious as a high-severity term.
SIMILARITY_SEVERITY = Severity.HIGH
#: Hours a queued case may wait when its rule names no SLA.
DEFAULT_SLA_HOURS = 24.0
#: Largest rule set document accepted, in characters.
MAX_DOCUMENT_CHARS = 200_000

_PRIORITY_FOR = {
    # A hit whose list gave no severity is still evidence, so it is queued, but last.
    Severity.UNSPECIFIED: Priority.LOW,
    Severity.LOW: Priority.LOW,
    Severity.MEDIUM: Priority.MEDIUM,
    Severity.HIGH: Priority.HIGH,
    Severity.CRITICAL: Priority.URGENT,
}

#: Time ranges shown per similar item before the rest are only counted.
_MAX_RANGES_SHOWN = 5


@dataclass(frozen=True)
class Facts:
    """What rules see about one case: its evidence, its account's operator flags and
    whether the account is protected (never auto-actioned)."""

    evidence: Evidence
    account_flags: frozenset[str] = frozenset()
    protected: bool = False


# ---------------------------------------------------------------------------- conditions


@dataclass(frozen=True)
class TermHitsCondition:
    """At least `min_count` term hits from these lists/categories, at least this severe."""

    lists: frozenset[str] | None = None
    categories: frozenset[str] | None = None
    min_severity: Severity = Severity.UNSPECIFIED
    min_count: int = 1

    def holds(self, facts: Facts) -> bool:
        return len(self.hits(facts.evidence)) >= self.min_count

    def hits(self, evidence: Evidence) -> list[TermHit]:
        return [
            hit
            for hit in evidence.term_hits
            if (self.lists is None or hit.list_id in self.lists)
            and (self.categories is None or hit.category in self.categories)
            and hit.severity >= self.min_severity
        ]


@dataclass(frozen=True)
class SimilarityCondition:
    """A match in one of these banks covering at least this share of the media."""

    banks: frozenset[str] | None = None
    min_match_percent: float = 0.0
    max_distance: int | None = None

    def holds(self, facts: Facts) -> bool:
        return bool(self.matches(facts.evidence))

    def matches(self, evidence: Evidence) -> list[SimilarityMatch]:
        return [
            match
            for match in evidence.similarity_matches
            if (self.banks is None or match.bank in self.banks)
            and match.query_match_percent >= self.min_match_percent
            and (self.max_distance is None or match.distance <= self.max_distance)
        ]


@dataclass(frozen=True)
class AccountFlagsCondition:
    """The account carries at least one of these operator flags."""

    any_of: frozenset[str]

    def holds(self, facts: Facts) -> bool:
        return bool(self.any_of & facts.account_flags)


@dataclass(frozen=True)
class ModelScoreCondition:
    """A classifier scored the media at least this high (absent scores never hold)."""

    model: str
    min_score: float

    def holds(self, facts: Facts) -> bool:
        return any(
            s.model == self.model and s.score >= self.min_score for s in facts.evidence.model_scores
        )


@dataclass(frozen=True)
class LanguageCondition:
    """The transcript's detected language is one of these. Only ever a refinement next to
    evidence: a rule that language alone would trigger is refused."""

    languages: frozenset[str]

    def holds(self, facts: Facts) -> bool:
        transcript = facts.evidence.transcript
        return transcript is not None and transcript.language in self.languages


Condition = (
    TermHitsCondition
    | SimilarityCondition
    | AccountFlagsCondition
    | ModelScoreCondition
    | LanguageCondition
)


# ------------------------------------------------------------------------------ outcomes


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
        has_evidence = bool(facts.evidence.term_hits or facts.evidence.similarity_matches)
        status = CaseStatus.DISMISSED if has_evidence else CaseStatus.NO_EVIDENCE
        return Decision(Outcome(status, None, ref, _statement_no_rule(self.version, facts)))

    def _apply(self, rule: Rule, facts: Facts) -> Decision:
        ref = RuleRef(rule.rule_id, self.version)
        outcome = rule.outcome
        evidence = facts.evidence
        if outcome.kind is OutcomeKind.IGNORE:
            statement = _statement(
                ref, f"evidence ignored by the operator's rule ({outcome.reason})", evidence
            )
            return Decision(Outcome(CaseStatus.DISMISSED, None, ref, statement))
        priority = outcome.priority or _evidence_priority(evidence)
        if outcome.kind is OutcomeKind.AUTO_ACTION and facts.protected:
            assert outcome.action is not None
            verdict = (
                f"queued for human review with priority {priority.name.lower()} in the "
                f"protected accounts' queue instead of {outcome.action.name} applied "
                "automatically: the account is protected and never auto-actioned"
            )
            return Decision(
                Outcome(CaseStatus.OPEN, priority, ref, _statement(ref, verdict, evidence)),
                sla_hours=DEFAULT_SLA_HOURS,
            )
        if outcome.kind is OutcomeKind.AUTO_ACTION:
            assert outcome.action is not None
            verdict = (
                f"{outcome.action.name} applied automatically under policy "
                f'"{outcome.policy}", as this rule allows; the account can appeal'
            )
            return Decision(
                Outcome(CaseStatus.CLOSED, priority, ref, _statement(ref, verdict, evidence)),
                auto_action=outcome.action,
                policy=outcome.policy,
            )
        verdict = (
            f"queued for human review with priority {priority.name.lower()} "
            f"(to be reviewed within {outcome.sla_hours:g} h). "
            "Nothing was actioned automatically; a reviewer decides"
        )
        return Decision(
            Outcome(CaseStatus.OPEN, priority, ref, _statement(ref, verdict, evidence)),
            sla_hours=outcome.sla_hours,
        )


def _evidence_priority(evidence: Evidence) -> Priority:
    severities = [hit.severity for hit in evidence.term_hits]
    if evidence.similarity_matches:
        severities.append(SIMILARITY_SEVERITY)
    return _PRIORITY_FOR[max(severities, default=Severity.UNSPECIFIED)]


# ------------------------------------------------------------------------------- parsing


DEFAULT_DOCUMENT: dict[str, Any] = {
    "description": "The default: any listed term or known item goes to a person.",
    "rules": [
        {
            "id": "default-any-evidence",
            "description": "Any term hit or similarity match is queued for human review, "
            "as urgent as its worst evidence. Nothing is actioned automatically.",
            "when": {"any": [{"term_hits": {}}, {"similarity": {}}]},
            "then": {"queue": {"priority": "evidence", "sla_hours": DEFAULT_SLA_HOURS}},
        }
    ],
}
#: The rule that decides cases until an operator publishes a rule set of their own.
DEFAULT_RULE = RuleRef("default-any-evidence", 1)


class RuleSetInvalid(InvalidArgument):
    """A rule set document was refused; `violations` name every problem found."""

    def __init__(self, problems: Sequence[FieldViolation]) -> None:
        listed = "; ".join(f"{p.field}: {p.description}" for p in problems)
        super().__init__(f"rule set refused: {listed}")
        self.violations = list(problems)


def load_document(text: str) -> dict[str, Any]:
    """Parses a rule set written in YAML or JSON (JSON is YAML) into plain data."""
    if len(text) > MAX_DOCUMENT_CHARS:
        raise RuleSetInvalid(
            [FieldViolation("document", f"is over {MAX_DOCUMENT_CHARS} characters")]
        )
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or "not YAML or JSON"
        raise RuleSetInvalid([FieldViolation("document", f"{problem}{where}")]) from None
    if not isinstance(data, dict):
        raise RuleSetInvalid([FieldViolation("document", "must be a mapping with a `rules` list")])
    # Round-trip through JSON: what is stored and hashed is plain JSON data.
    try:
        return dict(json.loads(json.dumps(data)))
    except (TypeError, ValueError):
        raise RuleSetInvalid(
            [FieldViolation("document", "holds values JSON cannot carry (dates?)")]
        ) from None


def parse_rule_set(document: Mapping[str, Any], version: int) -> RuleSet:
    """Checks a document whole and returns its rule set, or raises RuleSetInvalid naming
    every problem by its path (e.g. `rules[1].when.all[0].term_hits.min_count`)."""
    problems = _Problems()
    rules: list[Rule] = []
    _only(document, {"description", "rules"}, "", problems)
    raw_rules = document.get("rules")
    if not isinstance(raw_rules, list) or not raw_rules:
        problems.add("rules", "is required: a non-empty list of rules")
        raw_rules = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(raw_rules):
        path = f"rules[{index}]"
        rule = _parse_rule(raw, path, problems)
        if rule is None:
            continue
        if rule.rule_id in seen:
            problems.add(f"{path}.id", f"{rule.rule_id!r} is already rules[{seen[rule.rule_id]}]")
        seen.setdefault(rule.rule_id, index)
        for earlier_index, earlier in enumerate(rules):
            if (earlier.mode, set(earlier.conditions)) == (rule.mode, set(rule.conditions)):
                problems.add(
                    f"{path}.when",
                    f"unreachable: rules[{earlier_index}] ({earlier.rule_id}) has the same "
                    "conditions and is tried first",
                )
                break
        rules.append(rule)
    problems.raise_any()
    return RuleSet(version, tuple(rules), dict(document))


class _Problems:
    def __init__(self) -> None:
        self.found: list[FieldViolation] = []

    def add(self, path: str, description: str) -> None:
        self.found.append(FieldViolation(path or "document", description))

    def raise_any(self) -> None:
        if self.found:
            raise RuleSetInvalid(self.found)


def _only(data: Mapping[str, Any], allowed: set[str], path: str, problems: _Problems) -> None:
    for key in data:
        if key not in allowed:
            problems.add(
                f"{path}.{key}" if path else str(key),
                f"unknown field; allowed here: {', '.join(sorted(allowed))}",
            )


def _mapping(value: Any, path: str, problems: _Problems) -> Mapping[str, Any] | None:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        problems.add(path, "must be a mapping")
        return None
    return value


def _parse_rule(raw: Any, path: str, problems: _Problems) -> Rule | None:
    if not isinstance(raw, Mapping):
        problems.add(path, "must be a mapping with id, when and then")
        return None
    _only(raw, {"id", "description", "when", "then"}, path, problems)
    rule_id = raw.get("id")
    if not isinstance(rule_id, str) or not rule_id.strip():
        problems.add(f"{path}.id", "is required: a name for the rule")
        rule_id = ""
    description = raw.get("description", "")
    if not isinstance(description, str):
        problems.add(f"{path}.description", "must be text")
    parsed = _parse_when(raw.get("when"), f"{path}.when", problems)
    outcome = _parse_then(raw.get("then"), f"{path}.then", problems)
    if parsed is None or outcome is None or not rule_id:
        return None
    mode, conditions = parsed
    language_alone = (
        all(isinstance(c, LanguageCondition) for c in conditions)
        if mode == "all"
        else any(isinstance(c, LanguageCondition) for c in conditions)
    )
    if language_alone:
        problems.add(
            f"{path}.when",
            f"rule {rule_id} would act on detected language alone; language only routes "
            "cases to reviewers who speak it and is never evidence: add a condition on "
            "term hits, similarity, account flags or model scores",
        )
        return None
    languages = [c.languages for c in conditions if isinstance(c, LanguageCondition)]
    if mode == "all" and len(languages) > 1 and not frozenset.intersection(*languages):
        problems.add(f"{path}.when", "unreachable: its language conditions share no language")
        return None
    return Rule(rule_id, str(description), mode, tuple(conditions), outcome)


def _parse_when(raw: Any, path: str, problems: _Problems) -> tuple[str, list[Condition]] | None:
    if not isinstance(raw, Mapping) or len(raw) != 1 or next(iter(raw)) not in ("all", "any"):
        problems.add(path, "must be {all: [conditions]} or {any: [conditions]}")
        return None
    mode = next(iter(raw))
    items = raw[mode]
    if not isinstance(items, list) or not items:
        problems.add(f"{path}.{mode}", "unreachable: needs at least one condition")
        return None
    conditions: list[Condition] = []
    for index, item in enumerate(items):
        condition = _parse_condition(item, f"{path}.{mode}[{index}]", problems)
        if condition is not None:
            conditions.append(condition)
    if len(conditions) != len(items):
        return None
    return mode, conditions


_CONDITION_PARSERS: dict[str, Callable[[Mapping[str, Any], str, _Problems], Condition | None]]


def _parse_condition(raw: Any, path: str, problems: _Problems) -> Condition | None:
    if not isinstance(raw, Mapping) or len(raw) != 1:
        problems.add(path, f"must be one of: {', '.join(sorted(_CONDITION_PARSERS))}")
        return None
    kind, body = next(iter(raw.items()))
    if kind not in _CONDITION_PARSERS:
        problems.add(
            f"{path}.{kind}",
            f"unknown condition; known: {', '.join(sorted(_CONDITION_PARSERS))}",
        )
        return None
    mapping = _mapping(body, f"{path}.{kind}", problems)
    if mapping is None:
        return None
    return _CONDITION_PARSERS[kind](mapping, f"{path}.{kind}", problems)


def _names(
    data: Mapping[str, Any], key: str, path: str, problems: _Problems
) -> frozenset[str] | None:
    """An optional list of names; an empty list could never match and is refused."""
    if key not in data:
        return None
    value = data[key]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        problems.add(f"{path}.{key}", "must be a list of names")
        return None
    if not value:
        problems.add(f"{path}.{key}", "unreachable: an empty list matches nothing")
        return None
    return frozenset(value)


def _number(
    data: Mapping[str, Any],
    key: str,
    path: str,
    problems: _Problems,
    low: float,
    high: float,
    default: float,
) -> float:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        problems.add(f"{path}.{key}", "must be a number")
        return default
    if not low <= value <= high:
        problems.add(f"{path}.{key}", f"unreachable: must be between {low:g} and {high:g}")
    return float(value)


def _term_hits(data: Mapping[str, Any], path: str, problems: _Problems) -> Condition | None:
    before = len(problems.found)
    _only(data, {"lists", "categories", "min_severity", "min_count"}, path, problems)
    severity = Severity.UNSPECIFIED
    if "min_severity" in data:
        name = str(data["min_severity"]).upper()
        if name not in Severity.__members__ or name == "UNSPECIFIED":
            problems.add(f"{path}.min_severity", "must be one of: low, medium, high, critical")
        else:
            severity = Severity[name]
    count = data.get("min_count", 1)
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        problems.add(f"{path}.min_count", "unreachable: must be a whole number of at least 1")
    condition = TermHitsCondition(
        _names(data, "lists", path, problems),
        _names(data, "categories", path, problems),
        severity,
        count if isinstance(count, int) else 1,
    )
    return condition if len(problems.found) == before else None


def _similarity(data: Mapping[str, Any], path: str, problems: _Problems) -> Condition | None:
    before = len(problems.found)
    _only(data, {"banks", "min_match_percent", "max_distance"}, path, problems)
    percent = _number(data, "min_match_percent", path, problems, 0, 100, 0)
    distance = None
    if "max_distance" in data:
        distance = int(_number(data, "max_distance", path, problems, 0, 256, 0))
    condition = SimilarityCondition(_names(data, "banks", path, problems), percent, distance)
    return condition if len(problems.found) == before else None


def _account_flags(data: Mapping[str, Any], path: str, problems: _Problems) -> Condition | None:
    before = len(problems.found)
    _only(data, {"any_of"}, path, problems)
    flags = _names(data, "any_of", path, problems)
    if flags is None and "any_of" not in data:
        problems.add(f"{path}.any_of", "is required: the flags that make this hold")
    return AccountFlagsCondition(flags) if flags and len(problems.found) == before else None


def _model_score(data: Mapping[str, Any], path: str, problems: _Problems) -> Condition | None:
    before = len(problems.found)
    _only(data, {"model", "min_score"}, path, problems)
    model = data.get("model")
    if not isinstance(model, str) or not model:
        problems.add(f"{path}.model", "is required: the model's name")
    score = _number(data, "min_score", path, problems, 0, 1, 0)
    if len(problems.found) != before:
        return None
    return ModelScoreCondition(str(model), score)


def _language(data: Mapping[str, Any], path: str, problems: _Problems) -> Condition | None:
    before = len(problems.found)
    _only(data, {"in"}, path, problems)
    languages = _names(data, "in", path, problems)
    if languages is None and "in" not in data:
        problems.add(f"{path}.in", "is required: the language codes")
    return LanguageCondition(languages) if languages and len(problems.found) == before else None


_CONDITION_PARSERS = {
    "term_hits": _term_hits,
    "similarity": _similarity,
    "account_flags": _account_flags,
    "model_score": _model_score,
    "language": _language,
}

_PRIORITY_NAMES = {"evidence": None, **{p.name.lower(): p for p in Priority}}
#: What a rule may do by itself (END_STREAM acts on live streams only).
_AUTO_ACTIONS = {a.value: a for a in (ActionType.REMOVE_CONTENT, ActionType.END_STREAM)}


def _parse_then(raw: Any, path: str, problems: _Problems) -> RuleOutcome | None:
    kinds = [k.value for k in OutcomeKind]
    if not isinstance(raw, Mapping) or len(raw) != 1 or next(iter(raw)) not in kinds:
        problems.add(path, f"must name exactly one outcome: {', '.join(kinds)}")
        return None
    kind, body = next(iter(raw.items()))
    sub = f"{path}.{kind}"
    data = _mapping(body, sub, problems)
    if data is None:
        return None
    before = len(problems.found)
    if kind == OutcomeKind.QUEUE.value:
        _only(data, {"priority", "sla_hours"}, sub, problems)
        name = str(data.get("priority", "evidence")).lower()
        if name not in _PRIORITY_NAMES:
            problems.add(f"{sub}.priority", f"must be one of: {', '.join(_PRIORITY_NAMES)}")
        hours = _number(data, "sla_hours", sub, problems, 0.01, 24 * 365, DEFAULT_SLA_HOURS)
        result = RuleOutcome(OutcomeKind.QUEUE, _PRIORITY_NAMES.get(name), hours)
    elif kind == OutcomeKind.AUTO_ACTION.value:
        _only(data, {"action", "policy"}, sub, problems)
        action = str(data.get("action", "")).upper()
        if action not in _AUTO_ACTIONS:
            problems.add(f"{sub}.action", "must be remove_content, or end_stream for live streams")
        policy = data.get("policy")
        if not isinstance(policy, str) or not policy.strip():
            problems.add(f"{sub}.policy", "is required: the policy the action applies")
        result = RuleOutcome(
            OutcomeKind.AUTO_ACTION,
            action=_AUTO_ACTIONS.get(action, ActionType.REMOVE_CONTENT),
            policy=str(policy),
        )
    else:
        _only(data, {"reason"}, sub, problems)
        reason = data.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            problems.add(f"{sub}.reason", "is required: why such evidence is ignored")
        result = RuleOutcome(OutcomeKind.IGNORE, reason=str(reason))
    return result if len(problems.found) == before else None


#: The rule set in force until an operator publishes one (version 1).
DEFAULT_RULE_SET = parse_rule_set(DEFAULT_DOCUMENT, DEFAULT_RULE.version)


# ---------------------------------------------------------------------------- statements


def _statement(rule: RuleRef, verdict: str, evidence: Evidence) -> str:
    lines = [f"Rule {rule.rule_id} version {rule.version}: {verdict}.", "Evidence:"]
    lines += [f"- {_describe_hit(hit)}" for hit in evidence.term_hits]
    lines += [f"- {_describe_match(match)}" for match in evidence.similarity_matches]
    lines += [f"- Model {s.model} scored {s.score:.2f}." for s in evidence.model_scores]
    return "\n".join(lines + _language_note(evidence))


def _statement_no_rule(version: int, facts: Facts) -> str:
    evidence = facts.evidence
    if evidence.term_hits or evidence.similarity_matches:
        lines = [
            f"Rule set version {version}: no rule applies to this evidence, so nothing is "
            "queued for review and nothing was actioned.",
            "Evidence:",
            *(f"- {_describe_hit(hit)}" for hit in evidence.term_hits),
            *(f"- {_describe_match(match)}" for match in evidence.similarity_matches),
        ]
    else:
        lines = [
            f"Rule set version {version}: no evidence found. No listed term was heard and "
            "no known item is similar. Nothing is queued for review and nothing was actioned."
        ]
    return "\n".join(lines + _language_note(evidence))


def _language_note(evidence: Evidence) -> list[str]:
    transcript = evidence.transcript
    if transcript is None or not transcript.language:
        return []
    return [
        f"Transcript language: {transcript.language} "
        f"({transcript.language_probability:.2f}), for reviewer routing only; "
        "language is never evidence."
    ]


def _describe_hit(hit: TermHit) -> str:
    if hit.time_range is not None:
        where = f"at {_seconds(hit.time_range)}"
    else:
        where = f"at characters {hit.span_start}–{hit.span_end} of the transcript"
    heard = "" if hit.matched_text == hit.term else f', heard as "{hit.matched_text}"'
    return (
        f'Term "{hit.term}" from list {hit.list_id} v{hit.list_version}, '
        f"severity {hit.severity.name.lower()}, category {hit.category or 'none'}, "
        f"{where}{heard}."
    )


#: How a statement names the signal that matched (SimilarityMatch.signal).
_SIGNALS = {"pdq": "by its video frames or image (PDQ)", "audio": "by its audio fingerprint"}


def _describe_match(match: SimilarityMatch) -> str:
    label = f' ("{match.label}")' if match.label else ""
    signal = f" {_SIGNALS.get(match.signal, f'by {match.signal}')}" if match.signal else ""
    return (
        f"Similar to item {match.item_id}{label} in bank {match.bank}{signal}, "
        f"distance {match.distance} of 256 bits, "
        f"{match.query_match_percent:.0f}% of this media matched "
        f"and {match.item_match_percent:.0f}% of the item; "
        f"this media at {_ranges(match.query_ranges)}, the item at {_ranges(match.item_ranges)}."
    )


def _seconds(time_range: TimeRange) -> str:
    return f"{time_range.start_seconds:.2f}–{time_range.end_seconds:.2f} s"


def _ranges(ranges: Sequence[TimeRange]) -> str:
    if not ranges:
        return "no recorded time"
    shown = ", ".join(_seconds(r) for r in ranges[:_MAX_RANGES_SHOWN])
    hidden = len(ranges) - _MAX_RANGES_SHOWN
    return f"{shown} and {hidden} more" if hidden > 0 else shown


# -------------------------------------------------------------------------------- dry run


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
