"""Decision replicas append to one audit chain at once on PostgreSQL: they take turns,
the chain verifies after any interleaving, and no mutation is lost or audited twice."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator

import pytest

from modmesh.decision.compose import SqlStore as CaseStore
from modmesh.runtime.audit import verify
from tests.decision.examples import media, source
from tests.support import AUDIT_KEY, postgres_schema

REPLICAS = 4
SUBMISSIONS = 15


@pytest.fixture
def postgres_url() -> Iterator[str]:
    with postgres_schema() as url:
        yield url


def replica(url: str, number: int, start: multiprocessing.synchronize.Event) -> None:
    """One decision replica: its own store (and in-process lock), submitting items."""
    store = CaseStore(url, audit_key=AUDIT_KEY)
    start.wait()
    for n in range(SUBMISSIONS):
        store.submit(media(number * 1000 + n), source(content_id=f"replica-{number}"))
    store.close()


def test_concurrent_replicas_append_one_chain_that_verifies(postgres_url: str) -> None:
    CaseStore(postgres_url, audit_key=AUDIT_KEY).close()  # migrated once, before the race
    context = multiprocessing.get_context("spawn")
    start = context.Event()
    replicas = [
        context.Process(target=replica, args=(postgres_url, number, start))
        for number in range(REPLICAS)
    ]
    for process in replicas:
        process.start()
    start.set()
    for process in replicas:
        process.join(timeout=120)
    exit_codes = [process.exitcode for process in replicas]

    store = CaseStore(postgres_url, audit_key=AUDIT_KEY)
    log = store.audit_log()
    cases = store.list_cases(None, REPLICAS * SUBMISSIONS + 1)
    store.close()

    assert exit_codes == [0] * REPLICAS, "a replica failed to append"
    assert verify(log, AUDIT_KEY).ok
    submitted = [entry.subject for entry in log if entry.action == "case.submitted"]
    assert len(submitted) == len(set(submitted)) == REPLICAS * SUBMISSIONS
    assert {case.case_id for case in cases} == set(submitted)
