"""Appeals and statements of reasons, on both databases: the affected account appeals
once, a different reviewer decides, an upheld appeal reverses the action through the
outbox, and the DSA statement of reasons says all of it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from modmesh.decision.compose import SqlStore as CaseStore
from modmesh.decision.domain import ActionType, AppealStatus, DeliveryStatus, Reviewer
from modmesh.decision.policy.sor import statement_of_reasons
from modmesh.runtime.errors import AlreadyExists, FailedPrecondition, NotFound
from tests.decision.examples import opened_case
from tests.support import AUDIT_KEY


@pytest.fixture
def store(database_url: str) -> Iterator[CaseStore]:
    store = CaseStore(database_url, audit_key=AUDIT_KEY)
    for reviewer in ("first", "second"):
        store.put_reviewer(Reviewer(reviewer), "admin-1", "onboarding")
    yield store
    store.close()


def removed(store: CaseStore, database_url: str, n: int = 1) -> str:
    case_id = opened_case(database_url, n)
    store.claim(case_id, "first", 600)
    store.record_action(case_id, ActionType.REMOVE_CONTENT, "first", "scam policy 4.2")
    return case_id


def test_an_upheld_appeal_reverses_the_action_through_the_adapter(
    store: CaseStore, database_url: str
) -> None:
    case_id = removed(store, database_url)
    [apply] = store.due_deliveries(10)
    store.record_delivery(apply.delivery_id, None)

    appeal = store.file_appeal(case_id, "account-1", "it was a parody")
    decided = store.decide_appeal(appeal.appeal_id, "second", True, "parody is allowed")

    assert decided.status is AppealStatus.UPHELD
    assert decided.reviewer == "second"
    [reverse] = store.due_deliveries(10)
    assert reverse.kind == "reverse"
    assert reverse.action_id == apply.action_id
    assert reverse.idempotency_key == f"{apply.action_id}-reverse"
    case = store.get(case_id)
    assert case.actions[0].delivery is DeliveryStatus.PENDING  # the reversal is on its way
    events = [(e.action, e.actor) for e in store.audit_log()[-2:]]
    assert events == [("appeal.filed", "account-1"), ("appeal.decided", "second")]


def test_an_ended_stream_is_appealed_and_reversed_like_a_removal(
    store: CaseStore, database_url: str
) -> None:
    case_id = opened_case(database_url, 1)
    store.claim(case_id, "first", 600)
    store.record_action(case_id, ActionType.END_STREAM, "first", "scam policy 4.2")

    appeal = store.file_appeal(case_id, "account-1", "I was reading out a scam warning")
    store.decide_appeal(appeal.appeal_id, "second", True, "a warning, not a scam")

    assert [d.kind for d in store.due_deliveries(10)] == ["apply", "reverse"]
    sor = statement_of_reasons(store.get(case_id))
    assert sor["decision"]["decision_visibility"] == "DECISION_VISIBILITY_CONTENT_DISABLED"
    assert sor["redress"]["internal_complaint_handling"]["available"] is True
    assert sor["redress"]["internal_complaint_handling"]["appeal"]["reversed"] is True


def test_a_rejected_appeal_leaves_the_action_standing(store: CaseStore, database_url: str) -> None:
    case_id = removed(store, database_url)
    appeal = store.file_appeal(case_id, "account-1", "not a scam")

    store.decide_appeal(appeal.appeal_id, "second", False, "a scam it is")

    assert [d.kind for d in store.due_deliveries(10)] == ["apply"]
    assert store.get(case_id).appeals[0].status is AppealStatus.REJECTED


def test_the_reviewer_who_acted_cannot_decide_the_appeal(
    store: CaseStore, database_url: str
) -> None:
    appeal = store.file_appeal(removed(store, database_url), "account-1", "unfair")

    with pytest.raises(FailedPrecondition, match="a different reviewer must decide"):
        store.decide_appeal(appeal.appeal_id, "first", True, "")


def test_an_appeal_is_filed_and_decided_once(store: CaseStore, database_url: str) -> None:
    case_id = removed(store, database_url)
    appeal = store.file_appeal(case_id, "account-1", "unfair")
    store.decide_appeal(appeal.appeal_id, "second", False, "stands")
    entries = len(store.audit_log())

    with pytest.raises(AlreadyExists, match="filed already"):
        store.file_appeal(case_id, "account-1", "again")
    with pytest.raises(FailedPrecondition, match="decided already"):
        store.decide_appeal(appeal.appeal_id, "second", True, "changed my mind")

    assert len(store.audit_log()) == entries


def test_only_the_affected_account_appeals_and_only_an_action(
    store: CaseStore, database_url: str
) -> None:
    case_id = removed(store, database_url)
    untouched = opened_case(database_url, 2)

    with pytest.raises(FailedPrecondition, match=r"only the affected account \(account-1\)"):
        store.file_appeal(case_id, "someone-else", "unfair")
    with pytest.raises(FailedPrecondition, match="no action against the content"):
        store.file_appeal(untouched, "account-1", "unfair")
    with pytest.raises(NotFound):
        store.decide_appeal("nope", "second", True, "")


def test_open_appeals_are_listed_oldest_first(store: CaseStore, database_url: str) -> None:
    first = store.file_appeal(removed(store, database_url, 1), "account-1", "a")
    second = store.file_appeal(removed(store, database_url, 2), "account-1", "b")
    store.decide_appeal(first.appeal_id, "second", False, "stands")

    assert [a.appeal_id for a in store.list_appeals(AppealStatus.OPEN, 10)] == [second.appeal_id]
    assert len(store.list_appeals(None, 10)) == 2


def test_the_statement_of_reasons_has_the_dsa_fields(store: CaseStore, database_url: str) -> None:
    case_id = removed(store, database_url)
    appeal = store.file_appeal(case_id, "account-1", "parody")
    store.decide_appeal(appeal.appeal_id, "second", True, "parody is allowed")

    sor = statement_of_reasons(store.get(case_id))

    assert sor["decision"]["type"] == "REMOVE_CONTENT"
    assert sor["decision"]["decision_visibility"] == "DECISION_VISIBILITY_CONTENT_REMOVED"
    assert "free gift card" in sor["facts_and_circumstances"]
    assert sor["ground"]["incompatible_content_ground"] == "scam policy 4.2"
    assert sor["ground"]["rule"] == {"rule_id": "default-any-evidence", "rule_set_version": 1}
    means = sor["automated_means"]
    assert means["automated_detection"] is True
    assert means["automated_decision"] == "AUTOMATED_DECISION_NOT_AUTOMATED"
    assert {"kind": "term list", "list_id": "sample-scams", "version": 1} in means[
        "detection_tools"
    ]
    redress = sor["redress"]["internal_complaint_handling"]
    assert redress["available"] is True
    assert redress["appeal"]["reversed"] is True
    assert sor["redress"]["judicial_redress"] is True
