"""SearchTerms, ListVersions and CompareVersions over real gRPC, against
`python -m modmesh.termmatch`: pages, versions and changes as the wire carries them, and
refusals as statuses naming the field."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from modmesh.contracts.common.v1 import evidence_pb2
from modmesh.contracts.termmatch.v1 import termmatch_pb2 as pb
from modmesh.contracts.termmatch.v1 import termmatch_pb2_grpc
from tests.support import ServiceProcess, loopback_settings, mesh_channel

Stub = termmatch_pb2_grpc.TermMatchServiceStub
HIGH = evidence_pb2.SEVERITY_HIGH
#: Not a token the service gave.
GARBLED = "??"


@pytest.fixture(scope="module")
def stub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stub]:
    """The list "browse" at version 3: 12 gift terms and "act now" created by ana, gift-03
    changed by ben, act-now removed by cleo."""
    settings = loopback_settings(tmp_path_factory.mktemp("termmatch-browse"))
    with (
        ServiceProcess("termmatch", settings) as service,
        mesh_channel(service.settings, service.address) as channel,
    ):
        stub = Stub(channel)
        terms = [pb.Term(term_id=f"t{n:02}", text=f"Gift {n}", severity=HIGH) for n in range(12)]
        terms.append(pb.Term(term_id="act-now", text="act now", severity=HIGH))
        stub.CreateList(
            pb.CreateListRequest(list_id="browse", name="B", terms=terms, actor="ana"), timeout=10
        )
        changed = pb.Term(term_id="t03", text="Voucher 3", severity=HIGH)
        stub.UpdateTerms(
            pb.UpdateTermsRequest(list_id="browse", terms=[changed], actor="ben"), timeout=10
        )
        stub.RemoveTerms(
            pb.RemoveTermsRequest(list_id="browse", term_ids=["act-now"], actor="cleo"),
            timeout=10,
        )
        yield stub


def field_of(error: Any) -> str:
    """The field the BadRequest detail of a refused call names."""
    status = rpc_status.from_call(error)
    assert status is not None
    bad_request = error_details_pb2.BadRequest()
    assert status.details[0].Unpack(bad_request)
    (violation,) = bad_request.field_violations
    return str(violation.field)


def test_search_pages_follow_their_tokens_to_every_match(stub: Stub) -> None:
    ids: list[str] = []
    request = pb.SearchTermsRequest(list_id="browse", query="GIFT", page_size=5)
    while True:
        page = stub.SearchTerms(request, timeout=10)
        assert page.version == 3
        ids += [term.term_id for term in page.terms]
        if not page.next_page_token:
            break
        request.page_token = page.next_page_token
    assert ids == [f"t{n:02}" for n in range(12) if n != 3]
    (found,) = stub.SearchTerms(pb.SearchTermsRequest(list_id="browse", query="vouch")).terms
    assert (found.term_id, found.text, found.severity) == ("t03", "Voucher 3", HIGH)


def test_search_reads_an_earlier_version_as_it_was(stub: Stub) -> None:
    page = stub.SearchTerms(pb.SearchTermsRequest(list_id="browse", query="act", version=2))
    assert (page.version, [t.text for t in page.terms]) == (2, ["act now"])
    assert not stub.SearchTerms(pb.SearchTermsRequest(list_id="browse", query="act")).terms


def test_versions_come_newest_first_with_actor_edit_and_counts(stub: Stub) -> None:
    reply = stub.ListVersions(pb.ListVersionsRequest(list_id="browse"), timeout=10)
    assert [
        (
            v.version,
            v.actor,
            pb.ListEdit.Name(v.edit),
            v.terms_added,
            v.terms_removed,
            v.terms_changed,
            v.term_count,
        )
        for v in reply.versions
    ] == [
        (3, "cleo", "LIST_EDIT_TERMS_REMOVED", 0, 1, 0, 12),
        (2, "ben", "LIST_EDIT_TERMS_UPDATED", 0, 0, 1, 13),
        (1, "ana", "LIST_EDIT_CREATED", 13, 0, 0, 13),
    ]
    assert all(v.created_at.seconds > 0 for v in reply.versions)
    assert reply.next_page_token == ""


def test_compare_versions_gives_each_change_its_kind_and_the_term_before_and_after(
    stub: Stub,
) -> None:
    reply = stub.CompareVersions(
        pb.CompareVersionsRequest(list_id="browse", from_version=1), timeout=10
    )
    assert (reply.from_version, reply.to_version, reply.next_page_token) == (1, 3, "")
    removed, changed = reply.changes
    assert (removed.term_id, pb.TermChangeKind.Name(removed.kind)) == (
        "act-now",
        "TERM_CHANGE_KIND_REMOVED",
    )
    assert removed.before.text == "act now"
    assert not removed.HasField("after")
    assert (changed.term_id, pb.TermChangeKind.Name(changed.kind)) == (
        "t03",
        "TERM_CHANGE_KIND_CHANGED",
    )
    assert (changed.before.text, changed.after.text) == ("Gift 3", "Voucher 3")
    added = stub.CompareVersions(
        pb.CompareVersionsRequest(list_id="browse", from_version=2, to_version=2), timeout=10
    )
    assert list(added.changes) == []


@pytest.mark.parametrize(
    ("call", "code", "field"),
    [
        (
            lambda s: s.SearchTerms(pb.SearchTermsRequest(list_id="browse", page_token=GARBLED)),
            grpc.StatusCode.INVALID_ARGUMENT,
            "page_token",
        ),
        (
            lambda s: s.SearchTerms(pb.SearchTermsRequest(list_id="browse", version=4)),
            grpc.StatusCode.NOT_FOUND,
            "version",
        ),
        (
            lambda s: s.SearchTerms(pb.SearchTermsRequest(list_id="ghost")),
            grpc.StatusCode.NOT_FOUND,
            "list_id",
        ),
        (
            lambda s: s.ListVersions(pb.ListVersionsRequest(list_id="browse", page_size=-1)),
            grpc.StatusCode.INVALID_ARGUMENT,
            "page_size",
        ),
        (
            lambda s: s.CompareVersions(
                pb.CompareVersionsRequest(list_id="browse", from_version=3, to_version=2)
            ),
            grpc.StatusCode.INVALID_ARGUMENT,
            "from_version",
        ),
    ],
    ids=["bad token", "unknown version", "unknown list", "negative page size", "from after to"],
)
def test_refusals_are_statuses_naming_the_field(
    stub: Stub, call: Callable[[Stub], object], code: grpc.StatusCode, field: str
) -> None:
    with pytest.raises(grpc.RpcError) as refused:
        call(stub)
    error: Any = refused.value
    assert error.code() == code
    assert field_of(error) == field
