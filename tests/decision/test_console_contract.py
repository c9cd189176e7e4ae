"""What the reviewers' console reads from decision over gRPC, against a real decision
process: the queue and the case list a page at a time (tokens, filters, the count), the
live wall with its flag cursor, each within the caller's scope; bad values refused with
the field to correct."""

from __future__ import annotations

from collections.abc import Iterator

import grpc
import pytest

from modmesh.contracts.decision.v1 import decision_pb2, decision_pb2_grpc
from modmesh.decision.compose import SqlStore as CaseStore
from modmesh.decision.policy.document import DEFAULT_RULE_SET
from modmesh.runtime.identity import EndUser
from modmesh.runtime.tenancy import CaseScope
from tests.decision.examples import CAPTURED, opened_case, term_hit
from tests.decision.test_rules_contract import field_violations
from tests.decision.wire import refused
from tests.support import (
    AUDIT_KEY,
    LoopbackSettings,
    ServiceProcess,
    called_as,
    loopback_settings,
    mesh_channel,
)

Stub = decision_pb2_grpc.DecisionServiceStub
#: What a client might send as a page token: base64, but of no position ("not a token").
GARBAGE = "bm90IGEgdG9rZW4"


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> LoopbackSettings:
    return loopback_settings(tmp_path_factory.mktemp("decision-console"))


@pytest.fixture(scope="module")
def decision(settings: LoopbackSettings) -> Iterator[Stub]:
    with (
        ServiceProcess("decision", settings) as process,
        mesh_channel(process.settings, process.address) as channel,
    ):
        stub = decision_pb2_grpc.DecisionServiceStub(channel)
        stub.PutReviewer(
            decision_pb2.PutReviewerRequest(
                reviewer=decision_pb2.Reviewer(reviewer_id="ana"), actor="admin", reason="new"
            )
        )
        yield stub


@pytest.fixture(scope="module")
def cases(settings: LoopbackSettings, decision: Stub) -> dict[str, list[str]]:
    """Seven open cases of platform-a about acct-a, three of platform-b about acct-b."""
    url = settings.database_url_for("decision")
    return {
        "platform-a": [opened_case(url, 500 + n, "acct-a", tenant="platform-a") for n in range(7)],
        "platform-b": [opened_case(url, 600 + n, "acct-b", tenant="platform-b") for n in range(3)],
    }


@pytest.fixture(scope="module")
def streams(settings: LoopbackSettings, decision: Stub) -> dict[str, str]:
    """Two streams on air, of two tenants and accounts, one flag each."""
    store = CaseStore(settings.database_url_for("decision"), audit_key=AUDIT_KEY)
    try:
        for stream_id, account, tenant in (
            ("wall-a", "streamer-a", "platform-a"),
            ("wall-b", "streamer-b", "platform-b"),
        ):
            holder = f"call-{stream_id}"
            store.open_stream(stream_id, account, CAPTURED, 0.0, holder, tenant)
            found = [(term_hit(), ())]
            store.record_live_update(stream_id, holder, found, 5.0, DEFAULT_RULE_SET, tenant)
    finally:
        store.close()
    return {"a": "wall-a", "b": "wall-b"}


def as_service(settings: LoopbackSettings, tenant: str, call: object) -> object:
    """`call` made by the gateway for a service credential (its own cases only)."""
    user = EndUser(tenant, ("service",), CaseScope(tenant, frozenset({tenant})))
    return called_as(settings, "gateway", settings.decision_addr, call, user)  # type: ignore[arg-type]


def all_pages(decision: Stub, request: decision_pb2.ListQueueRequest) -> list[list[str]]:
    pages = []
    for _ in range(100):
        reply = decision.ListQueue(request)
        pages.append([case.case_id for case in reply.cases])
        if not reply.next_page_token:
            return pages
        request = with_fields(request, page_token=reply.next_page_token)
    pytest.fail("the queue's pages never ended")


def with_fields(
    request: decision_pb2.ListQueueRequest, **fields: str
) -> decision_pb2.ListQueueRequest:
    changed = decision_pb2.ListQueueRequest()
    changed.CopyFrom(request)
    for name, value in fields.items():
        setattr(changed, name, value)
    return changed


def test_the_queue_pages_with_a_token_and_says_how_many_match_in_all(
    decision: Stub, cases: dict[str, list[str]]
) -> None:
    request = decision_pb2.ListQueueRequest(reviewer_id="ana", limit=3, category="scam")

    first = decision.ListQueue(request)
    pages = all_pages(decision, request)

    every = [case_id for page in pages for case_id in page]
    assert first.total == len(every) == len(set(every))
    assert set(cases["platform-a"]) | set(cases["platform-b"]) <= set(every)
    assert all(len(page) == 3 for page in pages[:-1])
    nothing = decision.ListQueue(with_fields(request, list_id="no-such-list"))
    assert (list(nothing.cases), nothing.next_page_token, nothing.total) == ([], "", 0)


def test_a_service_pages_its_own_cases_only(
    settings: LoopbackSettings, cases: dict[str, list[str]]
) -> None:
    def listed(channel: grpc.Channel) -> tuple[list[str], str]:
        reply = Stub(channel).ListCases(decision_pb2.ListCasesRequest(limit=4, account_id="acct-b"))
        return [case.case_id for case in reply.cases], reply.next_page_token

    def own(channel: grpc.Channel) -> list[str]:
        stub, found, token = Stub(channel), [], ""
        while True:
            request = decision_pb2.ListCasesRequest(limit=4, account_id="acct-a", page_token=token)
            reply = stub.ListCases(request)
            found += [case.case_id for case in reply.cases]
            if not (token := reply.next_page_token):
                return found

    # platform-a names platform-b's account: nothing of it comes back, not even a token.
    assert as_service(settings, "platform-a", listed) == ([], "")
    assert as_service(settings, "platform-a", own) == cases["platform-a"][::-1]


def test_the_live_wall_lists_the_streams_and_only_the_flags_after_the_cursor(
    settings: LoopbackSettings, decision: Stub, streams: dict[str, str]
) -> None:
    first = decision.ListLiveStreams(decision_pb2.ListLiveStreamsRequest())
    again = decision.ListLiveStreams(
        decision_pb2.ListLiveStreamsRequest(after_flag_id=first.next_after_flag_id)
    )

    listed = {stream.stream_id: stream for stream in first.streams}
    assert set(streams.values()) <= set(listed)
    wall_a = listed["wall-a"]
    assert (wall_a.account_id, wall_a.flag_count, wall_a.connected) == ("streamer-a", 1, True)
    assert wall_a.case_id
    assert not wall_a.HasField("ended_at")
    flags = [(f.stream_id, f.flag.sequence, f.flag.hit.term) for f in first.flags]
    assert ("wall-a", 1, "free gift card") in flags
    assert first.next_after_flag_id == max(f.flag_id for f in first.flags)
    assert list(again.flags) == []
    assert again.next_after_flag_id == first.next_after_flag_id

    def seen_by_a(channel: grpc.Channel) -> set[str]:
        reply = Stub(channel).ListLiveStreams(decision_pb2.ListLiveStreamsRequest())
        return {s.stream_id for s in reply.streams} | {f.stream_id for f in reply.flags}

    assert as_service(settings, "platform-a", seen_by_a) == {"wall-a"}


@pytest.mark.parametrize(
    ("request_", "field", "phrase"),
    [
        (
            decision_pb2.ListQueueRequest(reviewer_id="ana", page_token=GARBAGE),
            "page_token",
            "page_token is not a token this list gave out",
        ),
        (
            decision_pb2.ListQueueRequest(reviewer_id="ana", source=9),  # type: ignore[arg-type]
            "source",
            "source must be RECORDED, LIVE or BACKFILL",
        ),
        (
            decision_pb2.ListQueueRequest(reviewer_id="ana", category="x" * 256),
            "category",
            "category must be at most 255 characters",
        ),
        (
            decision_pb2.ListCasesRequest(page_token=GARBAGE[:5]),
            "page_token",
            "page_token is not a token this list gave out",
        ),
        (
            decision_pb2.ListCasesRequest(account_id="a\0b"),
            "account_id",
            "none of them NUL",
        ),
        (
            decision_pb2.ListLiveStreamsRequest(after_flag_id=-1),
            "after_flag_id",
            "after_flag_id must be 0, or the next_after_flag_id",
        ),
        (
            decision_pb2.ListLiveStreamsRequest(ended_within_seconds=86_401),
            "ended_within_seconds",
            "ended_within_seconds must be between 1 and 86400",
        ),
        (
            decision_pb2.ListLiveStreamsRequest(flag_limit=5001),
            "flag_limit",
            "flag_limit must be between 1 and 5000",
        ),
    ],
    ids=[
        "queue-token",
        "unknown-source",
        "long-filter",
        "cases-token",
        "nul",
        "negative-cursor",
        "long-window",
        "many-flags",
    ],
)
def test_bad_listing_requests_are_refused_naming_the_field(
    decision: Stub, request_: object, field: str, phrase: str
) -> None:
    call = {
        decision_pb2.ListQueueRequest: decision.ListQueue,
        decision_pb2.ListCasesRequest: decision.ListCases,
        decision_pb2.ListLiveStreamsRequest: decision.ListLiveStreams,
    }[type(request_)]

    error = refused(lambda: call(request_))

    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert phrase in error.details()
    assert field in field_violations(error)


def test_a_token_of_the_case_list_in_another_order_is_refused(
    decision: Stub, cases: dict[str, list[str]]
) -> None:
    newest = decision.ListCases(decision_pb2.ListCasesRequest(limit=1)).next_page_token
    assert newest

    error = refused(
        lambda: decision.ListCases(
            decision_pb2.ListCasesRequest(
                limit=1, status=decision_pb2.CASE_STATUS_OPEN, page_token=newest
            )
        )
    )

    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "newest order, not this one (queue)" in error.details()


# A case's trail


def test_a_cases_trail_is_its_audit_entries_oldest_first_within_the_callers_reach(
    settings: LoopbackSettings, decision: Stub, cases: dict[str, list[str]]
) -> None:
    case_id = cases["platform-a"][0]
    decision.ClaimCase(decision_pb2.ClaimCaseRequest(case_id=case_id, reviewer_id="ana"))
    decision.ReleaseCase(decision_pb2.ReleaseCaseRequest(case_id=case_id, reviewer_id="ana"))

    trail = decision.ListCaseAudit(decision_pb2.ListCaseAuditRequest(case_id=case_id)).entries

    actions = [entry.action for entry in trail]
    assert actions[-2:] == ["case.claimed", "case.released"]
    assert actions.index("case.submitted") < actions.index("case.claimed")
    assert [entry.actor for entry in trail][-2:] == ["ana", "ana"]
    assert [entry.at.ToDatetime() for entry in trail] == sorted(e.at.ToDatetime() for e in trail)

    def others(channel: grpc.Channel) -> grpc.RpcError:
        return refused(
            lambda: Stub(channel).ListCaseAudit(decision_pb2.ListCaseAuditRequest(case_id=case_id))
        )

    # Another tenant's case reads as a missing one.
    hidden = as_service(settings, "platform-b", others)
    assert isinstance(hidden, grpc.RpcError)
    assert hidden.code() == grpc.StatusCode.NOT_FOUND
