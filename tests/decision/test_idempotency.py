"""Idempotent intake (modmesh.decision.intake.idempotency) on SQLite and PostgreSQL: a
retried Submit gets its first answer, a reused key with another request is refused
naming the key, keys expire after their lifetime, and requests racing with one key from
two stores (two replicas' connections) open one case."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import pytest

from modmesh.decision.compose import SqlStore
from modmesh.decision.intake.idempotency import fingerprint, submit_once
from modmesh.runtime.errors import AlreadyExists
from tests.decision.examples import CAPTURED, media, source
from tests.support import AUDIT_KEY


class Clock:
    def __init__(self) -> None:
        self.now = CAPTURED

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(database_url: str, clock: Clock) -> Iterator[SqlStore]:
    store = SqlStore(database_url, clock=clock, audit_key=AUDIT_KEY)
    yield store
    store.close()


def request(n: int = 1, content_id: str = "content-1") -> str:
    return fingerprint(media(n), "account-1", content_id, "")


def test_the_same_key_and_request_gets_the_first_answer_again(store: SqlStore) -> None:
    first = submit_once(store, "key-1", request(), media(), source())
    again = submit_once(store, "key-1", request(), media(), source())

    case, created, duplicate = first
    assert (created, duplicate) == (True, False)
    # The retry finds the case without starting its analysis again, and answers as first.
    assert (again[0].case_id, again[1], again[2]) == (case.case_id, False, False)
    assert [e.action for e in store.audit_log()] == ["case.submitted"]


def test_the_same_key_with_another_request_is_refused_naming_the_key(store: SqlStore) -> None:
    submit_once(store, "key-1", request(1), media(1), source())

    with pytest.raises(AlreadyExists, match=r"idempotency key 'key-1' was used at .* another"):
        submit_once(store, "key-1", request(2), media(2), source())
    with pytest.raises(AlreadyExists, match="key-1"):
        submit_once(store, "key-1", request(1, "content-2"), media(1), source(content_id="c-2"))
    # Nothing was stored for the refused requests.
    assert [e.action for e in store.audit_log()] == ["case.submitted"]


def test_a_key_is_kept_for_its_lifetime_and_is_new_after_it(store: SqlStore, clock: Clock) -> None:
    store.idempotency_key_hours = 24
    submit_once(store, "key-1", request(1), media(1), source())

    clock.now += timedelta(hours=23, minutes=59)
    with pytest.raises(AlreadyExists):
        submit_once(store, "key-1", request(2), media(2), source())

    clock.now += timedelta(minutes=1)
    _, created, duplicate = submit_once(store, "key-1", request(2), media(2), source())
    assert (created, duplicate) == (True, False)


def test_requests_racing_with_one_key_on_two_replicas_open_one_case(database_url: str) -> None:
    replicas = [SqlStore(database_url, audit_key=AUDIT_KEY) for _ in range(2)]
    try:

        def submit(i: int) -> tuple[str, bool]:
            case, created, _ = submit_once(
                replicas[i % 2], "racing-key", request(7), media(7), source()
            )
            return case.case_id, created

        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(submit, range(16)))
    finally:
        for replica in replicas:
            replica.close()

    assert len({case_id for case_id, _ in answers}) == 1
    assert sum(created for _, created in answers) == 1
