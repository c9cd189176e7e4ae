"""The leases through which one decision replica at a time analyses a case, and the
retries of cases whose engine was unavailable, on both databases: several stores over
one database stand for several replicas."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from modmesh.decision.agreement import disagreement
from modmesh.decision.audit import read_entries
from modmesh.decision.compose import SqlStore as CaseStore
from modmesh.decision.domain import CaseStatus, Evidence
from modmesh.decision.intake.retry import RetryPolicy
from modmesh.decision.intake.store import LeaseLost
from modmesh.decision.policy.conditions import Facts
from modmesh.decision.policy.document import DEFAULT_RULE_SET
from modmesh.runtime.errors import FailedPrecondition
from tests.decision.examples import media, source, term_hit, transcript
from tests.support import AUDIT_KEY, postgres_schema

EVIDENCE = Evidence(transcript=transcript(), term_hits=(term_hit(),))
DECISION = DEFAULT_RULE_SET.decide(Facts(EVIDENCE))
DOWN = "transcription failed: UNAVAILABLE: Connection refused"
#: Retries 10 s apart (5-10 s with the jitter), for an hour.
POLICY = RetryPolicy(first_seconds=10, max_seconds=10, budget_seconds=3600)


@pytest.fixture
def replicas(database_url: str) -> Iterator[tuple[CaseStore, CaseStore]]:
    first = CaseStore(database_url, audit_key=AUDIT_KEY)
    second = CaseStore(database_url, audit_key=AUDIT_KEY)
    yield first, second
    first.close()
    second.close()


def submitted(store: CaseStore, n: int = 1) -> str:
    return store.submit(media(n), source(content_id=f"content-{n}"))[0].case_id


def actions_on(store: CaseStore, case_id: str) -> list[str]:
    return [entry.action for entry in store.audit_log() if entry.subject == case_id]


def test_a_case_is_analysed_by_the_replica_that_claimed_it_and_by_no_other(
    replicas: tuple[CaseStore, CaseStore],
) -> None:
    a, b = replicas
    case_id = submitted(a)

    assert a.claim_case(case_id, "replica-a", 30)
    assert not b.claim_case(case_id, "replica-b", 30)
    assert a.claim_due("replica-a", 30, limit=10) == []
    assert b.claim_due("replica-b", 30, limit=10) == []
    with pytest.raises(LeaseLost, match="no longer held by replica-b"):
        b.record_outcome(case_id, EVIDENCE, DECISION, "replica-b")
    assert a.record_outcome(case_id, EVIDENCE, DECISION, "replica-a").status is CaseStatus.OPEN
    assert actions_on(a, case_id) == ["case.submitted", "case.evidence_recorded"]


def test_replicas_claiming_at_once_take_different_cases(
    replicas: tuple[CaseStore, CaseStore],
) -> None:
    a, b = replicas
    case_ids = {submitted(a, n) for n in range(6)}

    took_a = a.claim_due("replica-a", 30, limit=4)
    took_b = b.claim_due("replica-b", 30, limit=4)

    assert len(took_a) == 4
    assert set(took_a) | set(took_b) == case_ids
    assert not set(took_a) & set(took_b)


def test_the_case_of_a_replica_that_stopped_renewing_goes_to_another_after_expiry(
    replicas: tuple[CaseStore, CaseStore],
) -> None:
    a, b = replicas
    case_id = submitted(a)
    assert a.claim_case(case_id, "replica-a", 0.3)
    assert b.claim_due("replica-b", 30, limit=10) == []

    time.sleep(0.5)

    assert b.claim_due("replica-b", 30, limit=10) == [case_id]
    assert not a.renew_lease(case_id, "replica-a", 30)
    with pytest.raises(LeaseLost):
        a.record_outcome(case_id, EVIDENCE, DECISION, "replica-a")
    b.record_outcome(case_id, EVIDENCE, DECISION, "replica-b")
    assert actions_on(b, case_id).count("case.evidence_recorded") == 1


def test_a_renewed_lease_outlives_its_first_expiry(replicas: tuple[CaseStore, CaseStore]) -> None:
    a, b = replicas
    case_id = submitted(a)
    assert a.claim_case(case_id, "replica-a", 0.5)

    for _ in range(3):
        time.sleep(0.25)
        assert a.renew_lease(case_id, "replica-a", 0.5)

    assert b.claim_due("replica-b", 30, limit=10) == []


def test_leases_on_postgresql_use_the_database_clock_not_a_replica_clock() -> None:
    # (SQLite is single-process: there the process's clock is the only one.)
    # A replica whose clock runs an hour fast must not see others' leases as expired.
    with postgres_schema() as url:
        fast = CaseStore(
            url, clock=lambda: datetime.now(UTC) + timedelta(hours=1), audit_key=AUDIT_KEY
        )
        honest = CaseStore(url, audit_key=AUDIT_KEY)
        try:
            case_id = submitted(honest)
            assert honest.claim_case(case_id, "honest", 30)

            assert fast.claim_due("fast", 30, limit=10) == []
        finally:
            fast.close()
            honest.close()


def test_an_unavailable_engine_makes_the_case_retrying_with_its_next_attempt_and_reason(
    replicas: tuple[CaseStore, CaseStore],
) -> None:
    a, b = replicas
    case_id = submitted(a)
    assert a.claim_case(case_id, "replica-a", 30)

    retrying = a.record_retry(case_id, DOWN, "replica-a", POLICY)

    assert retrying.status is CaseStatus.RETRYING
    assert (retrying.error, retrying.attempts) == (DOWN, 1)
    assert retrying.next_attempt_at is not None
    assert (
        timedelta(seconds=4)
        < retrying.next_attempt_at - datetime.now(UTC)
        <= POLICY.delay(1, lambda: 1.0)
    )
    assert b.claim_due("replica-b", 30, limit=10) == []  # not due yet
    assert actions_on(a, case_id)[-1] == "case.retrying"


def test_a_due_retrying_case_is_claimed_again_and_counts_its_attempts(
    replicas: tuple[CaseStore, CaseStore], database_url: str
) -> None:
    a, b = replicas
    case_id = submitted(a)
    now_policy = RetryPolicy(first_seconds=0.01, max_seconds=0.01, budget_seconds=3600)
    assert a.claim_case(case_id, "replica-a", 30)
    a.record_retry(case_id, DOWN, "replica-a", now_policy)
    time.sleep(0.05)

    assert b.claim_due("replica-b", 30, limit=10) == [case_id]
    engine = sa.create_engine(database_url)
    try:  # the attempt under way agrees with the log: its RETRYING entry scheduled it
        assert disagreement(engine, read_entries(engine)) == ""
    finally:
        engine.dispose()
    again = b.record_retry(case_id, DOWN, "replica-b", now_policy)

    assert (again.status, again.attempts) == (CaseStatus.RETRYING, 2)


def test_past_the_retry_budget_the_case_fails_naming_the_budget(
    replicas: tuple[CaseStore, CaseStore],
) -> None:
    a, _ = replicas
    case_id = submitted(a)
    assert a.claim_case(case_id, "replica-a", 30)

    failed = a.record_retry(case_id, DOWN, "replica-a", RetryPolicy(budget_seconds=0))

    assert failed.status is CaseStatus.FAILED
    assert failed.error.startswith(DOWN)
    assert "retry budget of 0 s" in failed.error
    assert failed.next_attempt_at is None
    assert a.claim_due("replica-a", 30, limit=10) == []


def test_backoff_doubles_up_to_its_cap_and_jitters_within_half_of_it() -> None:
    policy = RetryPolicy(first_seconds=5, max_seconds=60, budget_seconds=3600)

    longest = [policy.delay(n, lambda: 1.0).total_seconds() for n in range(1, 7)]
    shortest = [policy.delay(n, lambda: 0.0).total_seconds() for n in range(1, 7)]

    assert longest == [5, 10, 20, 40, 60, 60]
    assert shortest == [2.5, 5, 10, 20, 30, 30]
    assert policy.delay(10_000, lambda: 1.0).total_seconds() == 60  # no overflow


def failed_case(store: CaseStore, n: int) -> str:
    case_id = submitted(store, n)
    assert store.claim_case(case_id, "replica-a", 30)
    store.record_failure(case_id, "transcription failed: INVALID_ARGUMENT: not audio")
    return case_id


def test_an_operator_retries_failed_cases_each_audited_under_their_name(
    replicas: tuple[CaseStore, CaseStore],
) -> None:
    a, b = replicas
    named, other = failed_case(a, 1), failed_case(a, 2)

    retried = a.retry_failed([named], all_failed=False, actor="ops-ana")

    assert [(c.case_id, c.status, c.error) for c in retried] == [(named, CaseStatus.PROCESSING, "")]
    assert a.get(other).status is CaseStatus.FAILED
    [entry] = [e for e in a.audit_log() if e.action == "case.retry_requested"]
    assert (entry.subject, entry.actor) == (named, "ops-ana")
    assert entry.details == {
        "status": "PROCESSING",
        "previous_error": "transcription failed: INVALID_ARGUMENT: not audio",
    }
    assert b.claim_due("replica-b", 30, limit=10) == [named]  # any replica takes it


def test_all_failed_cases_are_retried_at_once(replicas: tuple[CaseStore, CaseStore]) -> None:
    a, _ = replicas
    failed = {failed_case(a, n) for n in range(3)}

    retried = a.retry_failed([], all_failed=True, actor="ops-ana")

    assert {c.case_id for c in retried} == failed
    assert a.retry_failed([], all_failed=True, actor="ops-ana") == []


def test_a_retry_naming_a_case_that_is_not_failed_retries_none(
    replicas: tuple[CaseStore, CaseStore],
) -> None:
    a, _ = replicas
    failed, processing = failed_case(a, 1), submitted(a, 2)

    with pytest.raises(FailedPrecondition, match=f"case {processing} is PROCESSING"):
        a.retry_failed([failed, processing], all_failed=False, actor="ops-ana")

    assert a.get(failed).status is CaseStatus.FAILED


def test_a_resubmitted_item_whose_case_failed_is_analysed_again(
    replicas: tuple[CaseStore, CaseStore],
) -> None:
    a, _ = replicas
    case_id = failed_case(a, 1)

    again, created = a.submit(media(1), source(content_id="content-1"))

    assert (again.case_id, created) == (case_id, False)
    assert (again.status, again.error) == (CaseStatus.PROCESSING, "")
    assert actions_on(a, case_id)[-1] == "case.resubmitted"
    assert a.claim_case(case_id, "replica-a", 30)


def test_a_case_decided_after_retrying_keeps_its_attempts_but_no_error(
    replicas: tuple[CaseStore, CaseStore],
) -> None:
    a, _ = replicas
    case_id = submitted(a)
    soon = RetryPolicy(first_seconds=0.01, max_seconds=0.01, budget_seconds=3600)
    assert a.claim_case(case_id, "replica-a", 30)
    a.record_retry(case_id, DOWN, "replica-a", soon)
    time.sleep(0.05)
    assert a.claim_due("replica-a", 30, limit=10) == [case_id]

    decided = a.record_outcome(case_id, EVIDENCE, DECISION, "replica-a")

    assert (decided.status, decided.error, decided.attempts) == (CaseStatus.OPEN, "", 1)
    assert decided.next_attempt_at is None
