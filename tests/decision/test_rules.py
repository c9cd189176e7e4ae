from __future__ import annotations

import json
from dataclasses import replace

import pytest

from modmesh.contracts.evidence import Severity, TimeRange, UntranscribedSpeech
from modmesh.decision.domain import (
    ActionType,
    CaseStatus,
    Evidence,
    ModelScore,
    Outcome,
    Priority,
    RuleRef,
    TermHit,
    Transcript,
)
from modmesh.decision.policy.conditions import Facts
from modmesh.decision.policy.document import (
    DEFAULT_RULE_SET,
    RuleSetInvalid,
    load_document,
    parse_rule_set,
    rule_document_schema,
)
from modmesh.decision.policy.dry_run import dry_run
from modmesh.decision.policy.rule_set import (
    DEFAULT_DOCUMENT,
    DEFAULT_RULE,
    SAMPLE_MODEL,
    RuleSet,
)
from tests.decision.examples import similarity_match, term_hit, transcript


def apply_default_rule(evidence: Evidence) -> Outcome:
    return DEFAULT_RULE_SET.decide(Facts(evidence)).outcome


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
    assert 'Term "act now"' in statement
    assert "category spam" in statement
    assert "at characters" in statement  # no times without words: the span is given
    assert "item known-1" in statement
    assert "bank sample-known-scams" in statement
    assert "by its video frames or image (PDQ)" in statement
    assert "distance 12" in statement
    assert "95%" in statement
    assert "0.00–5.00 s" in statement
    assert "1.00–6.00 s" in statement
    assert "Nothing was actioned automatically" in statement


def test_the_statement_says_when_a_known_recording_matched_by_its_audio() -> None:
    evidence = Evidence(similarity_matches=(similarity_match(signal="audio"),))

    statement = apply_default_rule(evidence).statement

    assert "item known-1" in statement
    assert "by its audio fingerprint" in statement


def test_no_evidence_leaves_nothing_queued_and_says_so() -> None:
    outcome = apply_default_rule(Evidence(transcript=transcript("hello there")))

    assert outcome.status is CaseStatus.NO_EVIDENCE
    assert outcome.priority is None
    # No rule applied: the case names the rule set's version and no rule.
    assert outcome.rule == RuleRef("", DEFAULT_RULE.version)
    assert "no evidence found" in outcome.statement
    assert "Rule set version 1" in outcome.statement


def test_language_is_mentioned_for_routing_but_is_never_evidence() -> None:
    outcome = apply_default_rule(Evidence(transcript=transcript("bonjour à tous", "fr")))

    assert outcome.status is CaseStatus.NO_EVIDENCE
    assert "transcript language: fr (0.98), for reviewer routing" in outcome.statement.lower()
    assert "never evidence" in outcome.statement


def test_speech_no_recogniser_transcribed_goes_to_a_person_and_its_language_is_no_evidence() -> (
    None
):
    french = UntranscribedSpeech("fr", 0.97, TimeRange(0.4, 15.6))
    heard = Transcript(language="fr", language_probability=0.97, untranscribed=(french,))

    outcome = apply_default_rule(Evidence(transcript=heard))

    assert (outcome.status, outcome.priority) == (CaseStatus.OPEN, Priority.LOW)
    assert outcome.rule == RuleRef("", DEFAULT_RULE.version)
    assert "language the recogniser does not transcribe" in outcome.statement
    assert "Speech in fr (0.97) at 0.40–15.60 s" in outcome.statement
    assert "nothing was actioned" in outcome.statement
    assert "never evidence" in outcome.statement


def test_a_rule_that_applies_to_the_evidence_decides_before_untranscribed_speech() -> None:
    french = UntranscribedSpeech("fr", 0.97, TimeRange(20.0, 30.0))
    heard = Transcript(language="en", language_probability=0.9, untranscribed=(french,))
    evidence = Evidence(transcript=heard, term_hits=(term_hit(severity=Severity.HIGH),))

    outcome = apply_default_rule(evidence)

    assert (outcome.rule, outcome.priority) == (DEFAULT_RULE, Priority.HIGH)
    assert "Speech in fr (0.97) at 20.00–30.00 s" in outcome.statement


def where_the_money() -> TermHit:
    """A hit by sound: "wire the money" heard as "where the money"."""
    return replace(
        term_hit("wire the money"), matched_text="where the money", sound_confidence=0.62
    )


def test_a_hit_by_sound_is_queued_by_default_and_the_statement_shows_what_was_heard() -> None:
    outcome = apply_default_rule(Evidence(term_hits=(where_the_money(),)))

    assert (outcome.status, outcome.rule) == (CaseStatus.OPEN, DEFAULT_RULE)
    assert (
        'by sound only: heard "where the money", which sounds like it (confidence 0.62)'
        in outcome.statement
    )


def test_an_operators_rule_counts_hits_by_sound_only_where_it_says_so() -> None:
    def rules(condition: str) -> RuleSet:
        document = f"""
rules:
  - id: scams
    when: {{all: [{{term_hits: {condition}}}]}}
    then: {{queue: {{priority: urgent}}}}
"""
        return parse_rule_set(load_document(document), 2)

    facts = Facts(Evidence(term_hits=(where_the_money(),)))

    assert rules("{}").decide(facts).outcome.status is CaseStatus.DISMISSED
    assert rules("{sounds_like: true}").decide(facts).outcome.priority is Priority.URGENT
    with pytest.raises(RuleSetInvalid, match="sounds_like"):
        rules('{sounds_like: "yes"}')


# ------------------------------------------------------------------ operator rule sets

SCAM_RULES = """
description: Scams by severity; copies of known scams removed at once.
rules:
  - id: known-scam-copies
    when:
      all:
        - similarity: {banks: [sample-known-scams], min_match_percent: 90}
    then:
      auto_action: {action: remove_content, policy: "scam policy 4.2"}
  - id: critical-scam-terms
    when:
      all:
        - term_hits: {lists: [sample-scams], categories: [scam], min_severity: critical}
    then:
      queue: {priority: urgent, sla_hours: 2}
  - id: repeated-spam
    when:
      all:
        - term_hits: {categories: [spam], min_count: 2}
        - account_flags: {any_of: [repeat-offender]}
    then:
      queue: {priority: medium, sla_hours: 48}
  - id: toxic-and-listed-in-french
    when:
      all:
        - term_hits: {}
        - model_score: {model: toxicity, min_score: 0.8}
        - language: {in: [fr]}
    then:
      queue: {priority: high}
  - id: low-noise
    when:
      any:
        - term_hits: {min_severity: low}
    then:
      ignore: {reason: "low-severity hits alone are not worth a reviewer's time"}
"""


def scam_rules(version: int = 2) -> RuleSet:
    return parse_rule_set(load_document(SCAM_RULES), version)


def test_the_first_rule_whose_conditions_hold_decides() -> None:
    facts = Facts(
        Evidence(
            term_hits=(term_hit(severity=Severity.CRITICAL),),
            similarity_matches=(similarity_match(),),  # 95% of the media
        )
    )

    decision = scam_rules().decide(facts)

    assert decision.outcome.rule == RuleRef("known-scam-copies", 2)
    assert decision.outcome.status is CaseStatus.CLOSED
    assert decision.auto_action is ActionType.REMOVE_CONTENT
    assert decision.policy == "scam policy 4.2"
    assert "applied automatically" in decision.outcome.statement


def test_a_queue_rule_sets_priority_and_sla_and_never_acts() -> None:
    decision = scam_rules().decide(
        Facts(Evidence(term_hits=(term_hit(severity=Severity.CRITICAL),)))
    )

    assert decision.outcome.rule.rule_id == "critical-scam-terms"
    assert (decision.outcome.status, decision.outcome.priority) == (
        CaseStatus.OPEN,
        Priority.URGENT,
    )
    assert decision.sla_hours == 2
    assert decision.auto_action is None


def test_counts_and_account_flags_must_all_hold() -> None:
    spam = (
        term_hit("buy now", Severity.MEDIUM, "spam"),
        term_hit("act now", Severity.MEDIUM, "spam"),
    )
    rules = scam_rules()

    flagged = rules.decide(Facts(Evidence(term_hits=spam), frozenset({"repeat-offender"})))
    unflagged = rules.decide(Facts(Evidence(term_hits=spam)))
    once = rules.decide(Facts(Evidence(term_hits=spam[:1]), frozenset({"repeat-offender"})))

    assert flagged.outcome.rule.rule_id == "repeated-spam"
    assert unflagged.outcome.rule.rule_id == "low-noise"
    assert once.outcome.rule.rule_id == "low-noise"


def test_model_scores_count_only_when_present_and_language_only_refines() -> None:
    rules = scam_rules()
    hit = (term_hit(severity=Severity.MEDIUM, category="abuse"),)
    scored = (ModelScore("toxicity", 0.9),)

    french = rules.decide(
        Facts(Evidence(transcript=transcript("x", "fr"), term_hits=hit, model_scores=scored))
    )
    english = rules.decide(
        Facts(Evidence(transcript=transcript("x", "en"), term_hits=hit, model_scores=scored))
    )
    unscored = rules.decide(Facts(Evidence(transcript=transcript("x", "fr"), term_hits=hit)))

    assert french.outcome.rule.rule_id == "toxic-and-listed-in-french"
    assert english.outcome.rule.rule_id == "low-noise"
    assert unscored.outcome.rule.rule_id == "low-noise"


def test_an_ignore_rule_dismisses_the_evidence_and_says_why() -> None:
    decision = scam_rules().decide(Facts(Evidence(term_hits=(term_hit(severity=Severity.LOW),))))

    assert decision.outcome.status is CaseStatus.DISMISSED
    assert "not worth a reviewer's time" in decision.outcome.statement


def test_evidence_no_rule_applies_to_is_dismissed_naming_no_rule() -> None:
    rules = parse_rule_set(
        load_document(
            "rules: [{id: only-critical, when: {all: [{term_hits: {min_severity: critical}}]},"
            " then: {queue: {}}}]"
        ),
        3,
    )

    decision = rules.decide(Facts(Evidence(term_hits=(term_hit(severity=Severity.LOW),))))

    assert decision.outcome.status is CaseStatus.DISMISSED
    assert decision.outcome.rule == RuleRef("", 3)
    assert "no rule applies" in decision.outcome.statement


def test_json_documents_are_accepted_too() -> None:
    document = load_document(json.dumps(DEFAULT_DOCUMENT))

    assert parse_rule_set(document, 2).rules[0].rule_id == "default-any-evidence"


def refusal(text: str) -> list[tuple[str, str]]:
    with pytest.raises(RuleSetInvalid) as caught:
        parse_rule_set(load_document(text), 2)
    assert caught.value.code_name == "INVALID_ARGUMENT"
    return [(v.field, v.description) for v in caught.value.violations]


def scam_score(score: float) -> ModelScore:
    return ModelScore(SAMPLE_MODEL, score, set_id="sample-scams", category="scam", threshold=0.5)


def test_a_score_at_its_threshold_is_queued_by_the_sample_rule_and_never_acted_on() -> None:
    flagged = DEFAULT_RULE_SET.decide(Facts(Evidence(model_scores=(scam_score(0.93),))))
    below = DEFAULT_RULE_SET.decide(Facts(Evidence(model_scores=(scam_score(0.3),))))

    assert flagged.outcome.rule.rule_id == "sample-scam-score"
    assert (flagged.outcome.status, flagged.outcome.priority) == (CaseStatus.OPEN, Priority.LOW)
    assert flagged.auto_action is None
    assert "scored 0.93 ≥ 0.50 for scam (example set sample-scams v0)" in (
        flagged.outcome.statement
    )
    assert below.outcome.status is CaseStatus.NO_EVIDENCE


def test_a_rule_may_act_on_a_score_alone_only_when_it_says_so() -> None:
    opted_in = parse_rule_set(
        load_document(
            rule(
                "{all: [{model_score: {model: m, category: scam, min_score: 0.9}}]}",
                "{auto_action: {action: remove_content, policy: p, on_model_score_alone: true}}",
            )
        ),
        2,
    )
    scored = ModelScore("m", 0.95, category="scam", threshold=0.5)

    decision = opted_in.decide(Facts(Evidence(model_scores=(scored,))))

    assert decision.auto_action is ActionType.REMOVE_CONTENT
    other_category = replace(scored, category="spam")
    assert opted_in.decide(Facts(Evidence(model_scores=(other_category,)))).auto_action is None


def rule(when: str, then: str = "{queue: {}}", rule_id: str = "r") -> str:
    return f"rules: [{{id: {rule_id}, when: {when}, then: {then}}}]"


@pytest.mark.parametrize(
    ("document", "field", "problem"),
    [
        (
            "rules: [{id: r, when: {all: [{term_hits: {}}]}, then: {queue: {}}, colour: red}]",
            "rules[0].colour",
            "unknown field",
        ),
        (
            rule("{all: [{term_hits: {severity: high}}]}"),
            "rules[0].when.all[0].term_hits.severity",
            "unknown field",
        ),
        (rule("{all: [{sentiment: {}}]}"), "rules[0].when.all[0].sentiment", "unknown condition"),
        (
            rule("{all: [{term_hits: {}}]}", "{queue: {priority: soon}}"),
            "rules[0].then.queue.priority",
            "must be one of",
        ),
        (rule("{all: [{term_hits: {}}]}", "{delete: {}}"), "rules[0].then", "exactly one outcome"),
        (rule("{all: []}"), "rules[0].when.all", "unreachable"),
        (
            rule("{all: [{term_hits: {lists: []}}]}"),
            "rules[0].when.all[0].term_hits.lists",
            "unreachable: an empty list",
        ),
        (
            rule("{all: [{term_hits: {min_count: 0}}]}"),
            "rules[0].when.all[0].term_hits.min_count",
            "unreachable",
        ),
        (
            rule("{all: [{similarity: {min_match_percent: 120}}]}"),
            "rules[0].when.all[0].similarity.min_match_percent",
            "unreachable",
        ),
        (
            rule("{all: [{model_score: {model: m, min_score: 1.5}}]}"),
            "rules[0].when.all[0].model_score.min_score",
            "unreachable",
        ),
        (
            rule("{all: [{term_hits: {}}, {language: {in: [fr]}}, {language: {in: [de]}}]}"),
            "rules[0].when",
            "share no language",
        ),
        (rule("{all: [{language: {in: [fr]}}]}"), "rules[0].when", "language alone"),
        (
            rule("{any: [{term_hits: {}}, {language: {in: [fr]}}]}"),
            "rules[0].when",
            "language alone",
        ),
        (
            rule("{all: [{term_hits: {}}]}", "{auto_action: {action: remove_content}}"),
            "rules[0].then.auto_action.policy",
            "is required",
        ),
        (
            rule(
                "{all: [{model_score: {model: m}}]}",
                "{auto_action: {action: remove_content, policy: p}}",
            ),
            "rules[0].when",
            "on a model's score alone",
        ),
        (
            rule(
                "{any: [{term_hits: {}}, {model_score: {model: m, category: scam}}]}",
                "{auto_action: {action: remove_content, policy: p}}",
            ),
            "rules[0].when",
            "then.auto_action.on_model_score_alone: true",
        ),
        ("rules: []", "rules", "non-empty list"),
        (
            "rules: [{id: a, when: {all: [{term_hits: {}}]}, then: {queue: {}}},"
            " {id: b, when: {all: [{term_hits: {}}]}, then: {ignore: {reason: x}}}]",
            "rules[1].when",
            "unreachable: rules[0] (a) has the same conditions",
        ),
        (
            "rules: [{id: a, when: {all: [{term_hits: {}}]}, then: {queue: {}}},"
            " {id: a, when: {all: [{similarity: {}}]}, then: {queue: {}}}]",
            "rules[1].id",
            "already rules[0]",
        ),
        ("rules: [oops", "document", "line 1"),
        ("- just a list", "document", "must be a mapping"),
    ],
)
def test_a_bad_rule_set_is_refused_naming_the_problem(
    document: str, field: str, problem: str
) -> None:
    problems = refusal(document)

    assert any(f == field and problem in d for f, d in problems), problems


def test_every_problem_of_a_document_is_named_at_once() -> None:
    problems = refusal(
        "rules: [{id: a, when: {all: [{term_hits: {min_count: 0}}]}, then: {queue: {}}, x: 1},"
        " {id: b, when: {all: [{language: {in: [fr]}}]}, then: {queue: {}}}]"
    )

    assert {f for f, _ in problems} == {
        "rules[0].x",
        "rules[0].when.all[0].term_hits.min_count",
        "rules[1].when",
    }


def test_a_dry_run_lists_the_cases_whose_outcome_would_change() -> None:
    critical = Facts(Evidence(term_hits=(term_hit(severity=Severity.CRITICAL),)))
    low = Facts(Evidence(term_hits=(term_hit(severity=Severity.LOW),)))
    copy = Facts(Evidence(similarity_matches=(similarity_match(),)))

    report = dry_run(DEFAULT_RULE_SET, scam_rules(), [("c1", critical), ("c2", low), ("c3", copy)])

    assert report.considered == 3
    changed = {c.case_id: (c.before.status, c.after.status) for c in report.changes}
    assert changed == {
        "c1": (CaseStatus.OPEN, CaseStatus.OPEN),  # same status, another rule
        "c2": (CaseStatus.OPEN, CaseStatus.DISMISSED),
        "c3": (CaseStatus.OPEN, CaseStatus.CLOSED),
    }


def test_a_rule_may_end_a_live_stream_but_never_acts_on_a_protected_account() -> None:
    rules = parse_rule_set(
        load_document(
            "rules: [{id: end-scams, when: {all: [{term_hits: {categories: [scam]}}]},"
            " then: {auto_action: {action: end_stream, policy: scam policy 4.2}}}]"
        ),
        4,
    )
    evidence = Evidence(term_hits=(term_hit(),))

    acted = rules.decide(Facts(evidence))
    protected = rules.decide(Facts(evidence, protected=True))

    assert acted.auto_action is ActionType.END_STREAM
    assert acted.policy == "scam policy 4.2"
    assert protected.auto_action is None
    assert protected.outcome.status is CaseStatus.OPEN
    assert protected.outcome.priority is Priority.HIGH
    assert "protected and never auto-actioned" in protected.outcome.statement


def test_an_auto_action_names_what_a_rule_may_do_by_itself() -> None:
    with pytest.raises(RuleSetInvalid, match="must be remove_content, or end_stream"):
        parse_rule_set(
            load_document(
                "rules: [{id: x, when: {all: [{term_hits: {}}]},"
                " then: {auto_action: {action: escalate, policy: p}}}]"
            ),
            2,
        )


def test_the_schema_of_a_rule_document_names_every_condition_and_outcome() -> None:
    schema = json.dumps(rule_document_schema())

    for kind in ("term_hits", "similarity", "account_flags", "model_score", "language"):
        assert f'"{kind}"' in schema
    for outcome in ("queue", "auto_action", "ignore"):
        assert f'"{outcome}"' in schema
    assert rule_document_schema()["additionalProperties"] is False
