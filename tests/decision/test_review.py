"""The review process in the store, on both databases: queues by priority, age and
skills; the protected accounts' queue; leases; decisions; the delivery outbox."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from modmesh.contracts.evidence import Severity
from modmesh.decision.compose import SqlStore as CaseStore
from modmesh.decision.domain import (
    Account,
    ActionType,
    CaseStatus,
    DeliveryStatus,
    Evidence,
    Queue,
    Reviewer,
)
from modmesh.decision.policy.conditions import Facts
from modmesh.decision.policy.document import DEFAULT_RULE_SET
from modmesh.runtime.errors import FailedPrecondition, NotFound
from tests.decision.examples import CAPTURED, media, source, term_hit, transcript
from tests.support import AUDIT_KEY

LEASE = 600


class Clock:
    """One second per reading, plus whatever a test skips ahead."""

    def __init__(self) -> None:
        self.now = CAPTURED

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now

    def skip(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(database_url: str, clock: Clock) -> Iterator[CaseStore]:
    store = CaseStore(database_url, clock=clock, audit_key=AUDIT_KEY)
    for reviewer in (
        Reviewer("anyone"),
        Reviewer("anyone-2"),
        Reviewer("french-reader", languages=frozenset({"fr"})),
        Reviewer("spam-judge", categories=frozenset({"spam"})),
        Reviewer("protector", protected_queue=True),
    ):
        store.put_reviewer(reviewer, "admin-1", "onboarding")
    yield store
    store.close()


def open_case(
    store: CaseStore,
    n: int,
    severity: Severity = Severity.HIGH,
    account: str = "account-1",
    language: str = "en",
    category: str = "scam",
) -> str:
    case, _ = store.submit(media(n), source(account, f"content-{n}"))
    evidence = Evidence(
        transcript=transcript(language=language),
        term_hits=(term_hit(severity=severity, category=category),),
    )
    store.record_outcome(case.case_id, evidence, DEFAULT_RULE_SET.decide(Facts(evidence)))
    return case.case_id


def queue(store: CaseStore, reviewer: str, which: Queue = Queue.GENERAL) -> list[str]:
    return [case.case_id for case in store.review_queue(reviewer, which, 50)]


def test_the_queue_is_most_urgent_first_then_oldest(store: CaseStore) -> None:
    old_low = open_case(store, 1, Severity.LOW)
    old_high = open_case(store, 2, Severity.HIGH)
    new_high = open_case(store, 3, Severity.HIGH)
    urgent = open_case(store, 4, Severity.CRITICAL)

    assert queue(store, "anyone") == [urgent, old_high, new_high, old_low]


def test_reviewers_see_only_the_languages_and_categories_they_judge(store: CaseStore) -> None:
    english_scam = open_case(store, 1, language="en", category="scam")
    french_scam = open_case(store, 2, language="fr", category="scam")
    english_spam = open_case(store, 3, language="en", category="spam")

    assert queue(store, "french-reader") == [french_scam]
    assert queue(store, "spam-judge") == [english_spam]
    assert set(queue(store, "anyone")) == {english_scam, french_scam, english_spam}


def test_protected_accounts_cases_are_only_in_their_own_queue(store: CaseStore) -> None:
    ordinary = open_case(store, 1, account="ordinary")
    vip = open_case(store, 2, account="journalist")
    store.put_account(Account("journalist", protected=True), "admin-1", "press")

    assert queue(store, "anyone") == [ordinary]
    assert queue(store, "protector", Queue.PROTECTED) == [vip]
    with pytest.raises(FailedPrecondition, match="not cleared for the protected"):
        queue(store, "anyone", Queue.PROTECTED)
    with pytest.raises(FailedPrecondition, match="not cleared for the protected"):
        store.claim(vip, "anyone", LEASE)
    assert store.claim(vip, "protector", LEASE).lease is not None


def test_no_two_reviewers_hold_one_case(store: CaseStore) -> None:
    case_id = open_case(store, 1)
    held = store.claim(case_id, "anyone", LEASE)

    with pytest.raises(FailedPrecondition, match="held by reviewer anyone until"):
        store.claim(case_id, "anyone-2", LEASE)

    assert held.lease is not None
    assert held.lease.holder == "anyone"
    assert queue(store, "anyone-2") == []
    assert queue(store, "anyone") == [case_id]  # the holder still sees it


def test_an_expired_lease_returns_the_case_to_the_queue(store: CaseStore, clock: Clock) -> None:
    case_id = open_case(store, 1)
    store.claim(case_id, "anyone", LEASE)

    clock.skip(LEASE + 1)

    assert queue(store, "anyone-2") == [case_id]
    with pytest.raises(FailedPrecondition, match="expired at"):
        store.record_action(case_id, ActionType.NO_VIOLATION, "anyone", "")
    taken = store.claim(case_id, "anyone-2", LEASE)
    assert taken.lease is not None
    assert taken.lease.holder == "anyone-2"


def test_a_decision_needs_the_lease(store: CaseStore) -> None:
    case_id = open_case(store, 1)

    with pytest.raises(FailedPrecondition, match="claim it first"):
        store.record_action(case_id, ActionType.NO_VIOLATION, "anyone", "")
    store.claim(case_id, "anyone", LEASE)
    with pytest.raises(FailedPrecondition, match="claim it first"):
        store.record_action(case_id, ActionType.NO_VIOLATION, "anyone-2", "")


def test_an_unknown_reviewer_is_named(store: CaseStore) -> None:
    case_id = open_case(store, 1)

    with pytest.raises(NotFound, match="reviewer 'ghost' is not registered"):
        store.claim(case_id, "ghost", LEASE)
    with pytest.raises(NotFound, match="reviewer 'ghost' is not registered"):
        store.review_queue("ghost", Queue.GENERAL, 10)
    with pytest.raises(NotFound, match="ghost"):
        store.record_action(case_id, ActionType.NO_VIOLATION, "ghost", "")


def test_a_decided_case_is_decided_once(store: CaseStore) -> None:
    case_id = open_case(store, 1)
    store.claim(case_id, "anyone", LEASE)
    store.record_action(case_id, ActionType.REMOVE_CONTENT, "anyone", "scam policy 4.2")
    entries = len(store.audit_log())

    with pytest.raises(FailedPrecondition, match="is CLOSED"):
        store.record_action(case_id, ActionType.REMOVE_CONTENT, "anyone", "scam policy 4.2")
    with pytest.raises(FailedPrecondition, match="is CLOSED"):
        store.claim(case_id, "anyone-2", LEASE)

    case = store.get(case_id)
    assert len(case.actions) == 1
    assert case.lease is None
    assert len(store.audit_log()) == entries


def test_escalation_returns_the_case_to_the_queue_as_urgent(store: CaseStore) -> None:
    case_id = open_case(store, 1, Severity.LOW)
    store.claim(case_id, "anyone", LEASE)

    escalated = store.record_action(case_id, ActionType.ESCALATE, "anyone", "unsure")

    assert escalated.status is CaseStatus.OPEN
    assert escalated.lease is None
    assert queue(store, "anyone-2") == [case_id]


def test_a_released_case_is_free_again(store: CaseStore) -> None:
    case_id = open_case(store, 1)
    store.claim(case_id, "anyone", LEASE)

    store.release(case_id, "anyone")

    assert store.claim(case_id, "anyone-2", LEASE).lease is not None
    with pytest.raises(FailedPrecondition, match="does not hold"):
        store.release(case_id, "anyone")


def test_a_removal_is_put_in_the_outbox_and_a_no_violation_is_not(store: CaseStore) -> None:
    removed, cleared = open_case(store, 1), open_case(store, 2)
    for case_id in (removed, cleared):
        store.claim(case_id, "anyone", LEASE)
    store.record_action(removed, ActionType.REMOVE_CONTENT, "anyone", "scam policy 4.2")
    store.record_action(cleared, ActionType.NO_VIOLATION, "anyone", "")

    [delivery] = store.due_deliveries(10)

    assert delivery.case_id == removed
    assert delivery.kind == "apply"
    assert delivery.payload["policy"] == "scam policy 4.2"
    assert delivery.payload["account_id"] == "account-1"
    assert delivery.idempotency_key == f"{delivery.action_id}-apply"
    assert store.get(removed).actions[0].delivery is DeliveryStatus.PENDING
    assert store.get(cleared).actions[0].delivery is None


def test_deliveries_are_retried_then_delivered_or_dead_lettered(
    store: CaseStore, clock: Clock
) -> None:
    first, second = open_case(store, 1), open_case(store, 2)
    for case_id in (first, second):
        store.claim(case_id, "anyone", LEASE)
        store.record_action(case_id, ActionType.REMOVE_CONTENT, "anyone", "scam policy")
    one, two = store.due_deliveries(10)

    store.record_delivery(one.delivery_id, "HTTP 503", retry_at=clock.now + timedelta(hours=1))
    assert [d.delivery_id for d in store.due_deliveries(10)] == [two.delivery_id]
    store.record_delivery(two.delivery_id, "timed out after 2s")  # no retry: dead letter
    clock.skip(3601)
    [retried] = store.due_deliveries(10)
    assert retried.delivery_id == one.delivery_id
    assert retried.attempts == 1
    assert store.record_delivery(one.delivery_id, None) is DeliveryStatus.DELIVERED

    assert store.due_deliveries(10) == []
    statuses = {case_id: store.get(case_id).actions[0].delivery for case_id in (first, second)}
    assert statuses == {first: DeliveryStatus.DELIVERED, second: DeliveryStatus.DEAD}
    events = [e.action for e in store.audit_log() if e.action.startswith("action.d")]
    assert events == ["action.delivery_failed", "action.dead_lettered", "action.delivered"]
    # Recording an attempt again changes nothing: it was delivered once.
    assert store.record_delivery(one.delivery_id, "late duplicate") is DeliveryStatus.DELIVERED


def test_account_and_reviewer_edits_are_audited_with_who_and_why(store: CaseStore) -> None:
    store.put_account(
        Account("acct-9", frozenset({"repeat-offender"}), protected=True), "admin-2", "ticket 42"
    )

    entry = store.audit_log()[-1]
    assert (entry.action, entry.subject, entry.actor) == (
        "account.updated",
        "accounts/acct-9",
        "admin-2",
    )
    assert entry.details == {
        "flags": ["repeat-offender"],
        "protected": True,
        "reason": "ticket 42",
    }
    assert store.account("acct-9").flags == {"repeat-offender"}
    assert store.account("unknown").protected is False
