from __future__ import annotations

import pytest

from modmesh.common.evidence import Severity
from modmesh.decision.domain import CaseStatus, Evidence, Priority
from modmesh.decision.rules import DEFAULT_RULE, apply_default_rule
from tests.decision.examples import similarity_match, term_hit, transcript


@pytest.mark.parametrize(
    ("severity", "priority"),
    [
        (Severity.LOW, Priority.LOW),
        (Severity.MEDIUM, Priority.MEDIUM),
        (Severity.HIGH, Priority.HIGH),
        (Severity.CRITICAL, Priority.URGENT),
    ],
)
def test_a_term_hit_opens_a_case_with_the_priority_of_its_severity(
    severity: Severity, priority: Priority
) -> None:
    outcome = apply_default_rule(Evidence(term_hits=(term_hit(severity=severity),)))

    assert outcome.status is CaseStatus.OPEN
    assert outcome.priority is priority
    assert outcome.rule == DEFAULT_RULE


def test_the_most_severe_term_decides_the_priority() -> None:
    hits = (term_hit("act now", Severity.LOW), term_hit("wire the money", Severity.CRITICAL))

    assert apply_default_rule(Evidence(term_hits=hits)).priority is Priority.URGENT


def test_a_similarity_match_alone_opens_a_high_priority_case() -> None:
    outcome = apply_default_rule(Evidence(similarity_matches=(similarity_match(),)))

    assert (outcome.status, outcome.priority) == (CaseStatus.OPEN, Priority.HIGH)


def test_a_similarity_match_raises_a_low_term_hit_to_high() -> None:
    evidence = Evidence(
        term_hits=(term_hit("act now", Severity.LOW),), similarity_matches=(similarity_match(),)
    )

    assert apply_default_rule(evidence).priority is Priority.HIGH


def test_the_statement_names_the_rule_and_every_piece_of_evidence() -> None:
    evidence = Evidence(
        transcript=transcript(),
        term_hits=(term_hit(), term_hit("act now", Severity.LOW, "spam", time_range=None)),
        similarity_matches=(similarity_match(),),
    )

    statement = apply_default_rule(evidence).statement

    assert "default-any-evidence version 1" in statement
    assert "priority high" in statement
    assert (
        'Term "free gift card" from list sample-scams v1, severity high, category scam, '
        "at 2.31–3.40 s" in statement
    )
    assert 'Term "act now"' in statement and "category spam" in statement
    assert "at characters" in statement  # no times without words: the span is given
    assert "item known-1" in statement and "bank sample-known-scams" in statement
    assert "distance 12" in statement and "95%" in statement
    assert "0.00–5.00 s" in statement and "1.00–6.00 s" in statement
    assert "Nothing was actioned automatically" in statement


def test_no_evidence_leaves_nothing_queued_and_says_so() -> None:
    outcome = apply_default_rule(Evidence(transcript=transcript("hello there")))

    assert outcome.status is CaseStatus.NO_EVIDENCE
    assert outcome.priority is None
    assert outcome.rule == DEFAULT_RULE
    assert "no evidence found" in outcome.statement
    assert "default-any-evidence version 1" in outcome.statement


def test_language_is_mentioned_for_routing_but_is_never_evidence() -> None:
    outcome = apply_default_rule(Evidence(transcript=transcript("bonjour à tous", "fr")))

    assert outcome.status is CaseStatus.NO_EVIDENCE
    assert "transcript language: fr (0.98), for reviewer routing" in outcome.statement.lower()
    assert "never evidence" in outcome.statement
