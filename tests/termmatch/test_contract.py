"""The TermMatchService contract, over real gRPC, against `python -m modmesh.termmatch`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from modmesh.cli.samples import TERM_LIST
from modmesh.contracts.common.v1 import evidence_pb2
from modmesh.contracts.termmatch.v1 import termmatch_pb2 as pb
from modmesh.contracts.termmatch.v1 import termmatch_pb2_grpc
from modmesh.runtime.server import MAX_REQUEST_BYTES
from tests.support import LoopbackSettings, ServiceProcess, loopback_settings, mesh_channel

MAX_TEXT_CHARS = 5000
SAMPLE = json.loads(TERM_LIST.read_text())
SAMPLE_ID = SAMPLE["list_id"]
HIGH = evidence_pb2.SEVERITY_HIGH
LOW = evidence_pb2.SEVERITY_LOW


def sample_request() -> pb.CreateListRequest:
    return pb.CreateListRequest(
        list_id=SAMPLE_ID,
        name=SAMPLE["name"],
        description=SAMPLE["description"],
        terms=[
            pb.Term(
                term_id=t["term_id"],
                text=t["text"],
                severity=evidence_pb2.Severity.Value(t["severity"]),
                category=t["category"],
            )
            for t in SAMPLE["terms"]
        ],
    )


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> LoopbackSettings:
    return loopback_settings(
        tmp_path_factory.mktemp("termmatch-contract"), max_text_chars=MAX_TEXT_CHARS
    )


@pytest.fixture(scope="module")
def stub(settings: LoopbackSettings) -> Iterator[termmatch_pb2_grpc.TermMatchServiceStub]:
    with (
        ServiceProcess("termmatch", settings) as service,
        mesh_channel(service.settings, service.address) as channel,
    ):
        stub = termmatch_pb2_grpc.TermMatchServiceStub(channel)
        stub.CreateList(sample_request(), timeout=10)
        yield stub


def match_text(stub: termmatch_pb2_grpc.TermMatchServiceStub, text: str) -> pb.MatchResponse:
    response: pb.MatchResponse = stub.Match(
        pb.MatchRequest(text=text, list_ids=[SAMPLE_ID]), timeout=10
    )
    return response


# Happy paths.


def test_sample_list_is_created_at_version_one_with_all_its_terms(
    stub: termmatch_pb2_grpc.TermMatchServiceStub,
) -> None:
    found = stub.GetList(pb.GetListRequest(list_id=SAMPLE_ID), timeout=10).list
    assert (found.version, found.name) == (1, SAMPLE["name"])
    assert [t.term_id for t in found.terms] == [t["term_id"] for t in SAMPLE["terms"]]
    assert found.terms[0].severity == HIGH
    assert found.created_at.seconds > 0
    assert found.updated_at == found.created_at
    summaries = stub.ListLists(pb.ListListsRequest(), timeout=10).lists
    assert pb.TermListSummary(
        list_id=SAMPLE_ID, name=SAMPLE["name"], version=1, term_count=len(SAMPLE["terms"])
    ) in list(summaries)


def test_match_text_reports_hits_in_the_original_text_with_their_list_version(
    stub: termmatch_pb2_grpc.TermMatchServiceStub,
) -> None:
    text = "Hurry, ACT-NOW: a \uff26\uff32\uff25\uff25 Gift  Card! React nowhere."
    response = match_text(stub, text)
    assert response.text == text
    assert [(h.term_id, h.matched_text) for h in response.hits] == [
        ("act-now", "ACT-NOW"),
        ("free-gift-card", "\uff26\uff32\uff25\uff25 Gift  Card"),
    ]
    gift = response.hits[1]
    assert text[gift.span.start : gift.span.end] == gift.matched_text
    assert (gift.list_id, gift.list_version, gift.severity, gift.category) == (
        SAMPLE_ID,
        1,
        HIGH,
        "scam",
    )
    assert gift.term == "free gift card"
    assert not gift.HasField("time_range")
    assert not gift.HasField("word_start_index")
    assert [(s.list_id, s.version) for s in response.lists] == [(SAMPLE_ID, 1)]


def test_match_words_reports_word_indexes_and_the_time_range(
    stub: termmatch_pb2_grpc.TermMatchServiceStub,
) -> None:
    spoken = [(" Get", 2.0, 2.3), (" your", 2.3, 2.5), (" free", 2.5, 2.9)]
    spoken += [(" gift", 2.9, 3.2), (" card", 3.2, 3.6), (" now.", 3.6, 4.0)]
    words = [evidence_pb2.Word(text=t, start_seconds=s, end_seconds=e) for t, s, e in spoken]
    response = stub.Match(
        pb.MatchRequest(words=pb.WordSequence(words=words), list_ids=[SAMPLE_ID]), timeout=10
    )
    assert response.text == "Get your free gift card now."
    (hit,) = response.hits
    assert (hit.term_id, hit.span.start, hit.span.end) == ("free-gift-card", 9, 23)
    assert (hit.word_start_index, hit.word_end_index) == (2, 4)
    assert (hit.time_range.start_seconds, hit.time_range.end_seconds) == (2.5, 3.6)


def test_a_list_that_joins_words_finds_its_terms_as_a_recogniser_splits_or_joins_them(
    stub: termmatch_pb2_grpc.TermMatchServiceStub,
) -> None:
    stub.CreateList(
        pb.CreateListRequest(
            list_id="heard",
            name="Heard",
            flags=pb.NormalizationFlags(nfkc=True, casefold=True, join_words=True),
            terms=[
                pb.Term(term_id="giveaway", text="crypto giveaway", severity=HIGH),
                pb.Term(term_id="act-now", text="act now", severity=LOW),
            ],
        ),
        timeout=10,
    )
    spoken = [(" A", 1.0, 1.1), (" crypto", 1.1, 1.5), (" give", 1.5, 1.8), (" away.", 1.8, 2.2)]
    spoken += [(" Actnow!", 2.5, 3.0), (" In", 3.2, 3.3), (" fact", 3.3, 3.6), (" nowhere", 3.6, 4)]
    words = [evidence_pb2.Word(text=t, start_seconds=s, end_seconds=e) for t, s, e in spoken]
    response = stub.Match(
        pb.MatchRequest(words=pb.WordSequence(words=words), list_ids=["heard"]), timeout=10
    )
    assert [
        (h.term_id, h.matched_text, h.word_start_index, h.word_end_index) for h in response.hits
    ] == [
        ("giveaway", "crypto give away", 1, 3),
        ("act-now", "Actnow", 4, 4),
    ]
    assert response.hits[0].time_range.end_seconds == 2.2
    assert stub.GetList(pb.GetListRequest(list_id="heard"), timeout=10).list.flags.join_words


def test_a_list_that_hears_by_sound_marks_those_hits_and_reads_figures_aloud(
    stub: termmatch_pb2_grpc.TermMatchServiceStub,
) -> None:
    flags = pb.NormalizationFlags(nfkc=True, casefold=True, spoken_forms=True, sounds_like=True)
    stub.CreateList(
        pb.CreateListRequest(
            list_id="sounds",
            name="Sounds",
            flags=flags,
            terms=[
                pb.Term(term_id="wire", text="wire the money", severity=HIGH),
                pb.Term(term_id="always-open", text="open 24/7", severity=LOW),
            ],
        ),
        timeout=10,
    )
    spoken = [(" Where", 1.0, 1.2), (" the", 1.2, 1.3), (" money", 1.3, 1.7), (" is", 1.7, 1.8)]
    spoken += [(" open", 2.0, 2.3), (" twenty-four", 2.3, 2.9), (" seven.", 2.9, 3.4)]
    words = [evidence_pb2.Word(text=t, start_seconds=s, end_seconds=e) for t, s, e in spoken]
    response = stub.Match(
        pb.MatchRequest(words=pb.WordSequence(words=words), list_ids=["sounds"]), timeout=10
    )

    by_sound, on_text = response.hits
    assert (by_sound.term_id, by_sound.matched_text) == ("wire", "Where the money")
    assert by_sound.HasField("sound_confidence")
    assert 0.0 < by_sound.sound_confidence < 0.8
    assert (on_text.term_id, on_text.matched_text) == ("always-open", "open twenty-four seven")
    assert not on_text.HasField("sound_confidence")
    assert (on_text.time_range.start_seconds, on_text.time_range.end_seconds) == (2.0, 3.4)


def test_edits_bump_the_version_and_the_next_match_uses_it(
    stub: termmatch_pb2_grpc.TermMatchServiceStub,
) -> None:
    stub.CreateList(
        pb.CreateListRequest(
            list_id="edits", name="Edits", terms=[pb.Term(text="act now", severity=LOW)]
        ),
        timeout=10,
    )
    added = stub.AddTerms(
        pb.AddTermsRequest(list_id="edits", terms=[pb.Term(text="Wire Transfer", severity=HIGH)]),
        timeout=10,
    )
    # The reply names the new version and the terms added, not the whole list (which
    # can be over the message size limit): GetList reads it.
    assert (added.list.version, added.list.term_count, len(added.list.terms)) == (2, 2, 0)
    assert [t.term_id for t in added.terms] == ["wire-transfer"]
    assert added.list.updated_at.ToDatetime() >= added.list.created_at.ToDatetime()
    current = stub.GetList(pb.GetListRequest(list_id="edits"), timeout=10).list
    assert [t.term_id for t in current.terms] == ["act-now", "wire-transfer"]

    request = pb.MatchRequest(text="act now by wire transfer", list_ids=["edits"])
    response = stub.Match(request, timeout=10)
    assert [(h.term_id, h.list_version) for h in response.hits] == [
        ("act-now", 2),
        ("wire-transfer", 2),
    ]

    removed = stub.RemoveTerms(
        pb.RemoveTermsRequest(list_id="edits", term_ids=["act-now"]), timeout=10
    ).list
    assert (removed.version, removed.term_count) == (3, 1)
    response = stub.Match(request, timeout=10)
    assert [(h.term_id, h.list_version) for h in response.hits] == [("wire-transfer", 3)]
    assert [(s.list_id, s.version, s.term_count) for s in response.lists] == [("edits", 3, 1)]


# Refusals: each names the problem in its message and its field violation.


def term(
    text: str = "something new", severity: evidence_pb2.Severity = LOW, term_id: str = ""
) -> pb.Term:
    return pb.Term(text=text, severity=severity, term_id=term_id)


def add(*terms: pb.Term, list_id: str = SAMPLE_ID) -> tuple[str, Any]:
    return "AddTerms", pb.AddTermsRequest(list_id=list_id, terms=terms)


REFUSALS = {
    "list id with capitals": (
        ("CreateList", pb.CreateListRequest(list_id="Bad List")),
        grpc.StatusCode.INVALID_ARGUMENT,
        "list_id 'Bad List' is not valid",
        "list_id",
    ),
    "list that exists": (
        ("CreateList", pb.CreateListRequest(list_id=SAMPLE_ID)),
        grpc.StatusCode.ALREADY_EXISTS,
        f"term list '{SAMPLE_ID}' already exists",
        "list_id",
    ),
    "empty term": (
        add(term(""), term()),
        grpc.StatusCode.INVALID_ARGUMENT,
        "terms[0].text must not be empty or blank",
        "terms[0].text",
    ),
    "blank term": (
        add(term(), term(" \t ")),
        grpc.StatusCode.INVALID_ARGUMENT,
        "terms[1].text must not be empty or blank",
        "terms[1].text",
    ),
    "term too long": (
        add(term("scam " * 41)),
        grpc.StatusCode.INVALID_ARGUMENT,
        "over the limit of 200",
        "terms[0].text",
    ),
    "control character": (
        add(term("gift\x00card")),
        grpc.StatusCode.INVALID_ARGUMENT,
        "must not contain control characters",
        "terms[0].text",
    ),
    "no word": (
        add(term("?!...")),
        grpc.StatusCode.INVALID_ARGUMENT,
        "has no word to match",
        "terms[0].text",
    ),
    "unspecified severity": (
        add(term(severity=evidence_pb2.SEVERITY_UNSPECIFIED)),
        grpc.StatusCode.INVALID_ARGUMENT,
        "must be one of SEVERITY_LOW, SEVERITY_MEDIUM, SEVERITY_HIGH, SEVERITY_CRITICAL",
        "terms[0].severity",
    ),
    "term id twice in the request": (
        add(term("one", term_id="x"), term("two", term_id="x")),
        grpc.StatusCode.INVALID_ARGUMENT,
        "terms[1].term_id 'x' is already used in terms[0]",
        "terms[1].term_id",
    ),
    "term id already in the list": (
        add(term(term_id="act-now")),
        grpc.StatusCode.INVALID_ARGUMENT,
        f"'act-now' is already used in list '{SAMPLE_ID}'",
        "terms[0].term_id",
    ),
    "same text twice in the request": (
        add(term("urgent offer"), term("Urgent-Offer!")),
        grpc.StatusCode.INVALID_ARGUMENT,
        "is the same phrase as terms[0]",
        "terms[1].text",
    ),
    "text already in the list": (
        add(term("FREE gift-card")),
        grpc.StatusCode.INVALID_ARGUMENT,
        "is the same phrase as term 'free-gift-card'",
        "terms[0].text",
    ),
    "regex RE2 cannot compile": (
        add(pb.Term(text="(?<=a)b", severity=LOW, kind=pb.TERM_KIND_REGEX)),
        grpc.StatusCode.INVALID_ARGUMENT,
        "terms[0].text '(?<=a)b' is not a pattern RE2 accepts",
        "terms[0].text",
    ),
    "unknown term kind": (
        add(pb.Term(text="x", severity=LOW, kind=9)),  # type: ignore[arg-type]
        grpc.StatusCode.INVALID_ARGUMENT,
        "terms[0].kind must be one of TERM_KIND_WORD, TERM_KIND_SUBSTRING, TERM_KIND_REGEX",
        "terms[0].kind",
    ),
    "window that ends before it starts": (
        add(
            pb.Term(
                text="x",
                severity=LOW,
                active_from=Timestamp(seconds=2_000_000_000),
                active_until=Timestamp(seconds=1_000_000_000),
            )
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
        "terms[0].active_until (2001-09-09T01:46:40+00:00) must be after",
        "terms[0].active_until",
    ),
    "update of an unknown term": (
        ("UpdateTerms", pb.UpdateTermsRequest(list_id=SAMPLE_ID, terms=[term(term_id="ghost")])),
        grpc.StatusCode.NOT_FOUND,
        f"term 'ghost' not found in list '{SAMPLE_ID}'",
        "terms[0].term_id",
    ),
    "exception without a word": (
        ("UpdateList", pb.UpdateListRequest(list_id=SAMPLE_ID, name="x", exceptions=["..."])),
        grpc.StatusCode.INVALID_ARGUMENT,
        "exceptions[0] '...' has no word to match",
        "exceptions[0]",
    ),
    "an earlier version that does not exist": (
        ("GetList", pb.GetListRequest(list_id=SAMPLE_ID, version=99)),
        grpc.StatusCode.NOT_FOUND,
        f"term list '{SAMPLE_ID}' has no version 99",
        "version",
    ),
    "no terms to add": (
        add(),
        grpc.StatusCode.INVALID_ARGUMENT,
        "at least one term to add",
        "terms",
    ),
    "no term ids to remove": (
        ("RemoveTerms", pb.RemoveTermsRequest(list_id=SAMPLE_ID)),
        grpc.StatusCode.INVALID_ARGUMENT,
        "at least one term id to remove",
        "term_ids",
    ),
    "unknown term id": (
        ("RemoveTerms", pb.RemoveTermsRequest(list_id=SAMPLE_ID, term_ids=["act-now", "ghost"])),
        grpc.StatusCode.NOT_FOUND,
        f"term 'ghost' not found in list '{SAMPLE_ID}'",
        "term_ids[1]",
    ),
    "get an unknown list": (
        ("GetList", pb.GetListRequest(list_id="nope")),
        grpc.StatusCode.NOT_FOUND,
        "term list 'nope' not found",
        "list_id",
    ),
    "add to an unknown list": (
        add(term(), list_id="nope"),
        grpc.StatusCode.NOT_FOUND,
        "term list 'nope' not found",
        "list_id",
    ),
    "match an unknown list": (
        ("Match", pb.MatchRequest(text="hi", list_ids=[SAMPLE_ID, "nope"])),
        grpc.StatusCode.NOT_FOUND,
        "term list 'nope' not found",
        "list_ids[1]",
    ),
    "a capture time no Timestamp may hold (found by the gRPC fuzzer)": (
        ("Match", pb.MatchRequest(text="hi", capture_time=Timestamp(nanos=-1))),
        grpc.StatusCode.INVALID_ARGUMENT,
        "capture_time is not a time: seconds must lie between the years 0001 and 9999",
        "capture_time",
    ),
    "a million list ids": (
        ("Match", pb.MatchRequest(text="hi", list_ids=["x"] * 1_000_000)),
        grpc.StatusCode.INVALID_ARGUMENT,
        "list_ids names 1000000 lists, over the limit of 1000",
        "list_ids",
    ),
    "text over the limit": (
        ("Match", pb.MatchRequest(text="a" * (MAX_TEXT_CHARS + 1))),
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        f"text is {MAX_TEXT_CHARS + 1} characters, over the limit of {MAX_TEXT_CHARS}",
        "text",
    ),
    "words over the limit": (
        (
            "Match",
            pb.MatchRequest(
                words=pb.WordSequence(words=[evidence_pb2.Word(text="word")] * MAX_TEXT_CHARS)
            ),
        ),
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        f"over the limit of {MAX_TEXT_CHARS} characters",
        "words",
    ),
}


@pytest.mark.parametrize(
    ("call", "code", "message", "field"), list(REFUSALS.values()), ids=list(REFUSALS)
)
def test_bad_input_is_refused_with_its_status_and_the_service_keeps_serving(
    stub: termmatch_pb2_grpc.TermMatchServiceStub,
    call: tuple[str, Any],
    code: grpc.StatusCode,
    message: str,
    field: str,
) -> None:
    method, request = call
    with pytest.raises(grpc.RpcError) as refused:
        getattr(stub, method)(request, timeout=10)
    error: Any = refused.value
    assert error.code() == code
    assert message in error.details()
    status = rpc_status.from_call(error)
    assert status is not None
    bad_request = error_details_pb2.BadRequest()
    assert status.details[0].Unpack(bad_request)
    assert [v.field for v in bad_request.field_violations] == [field]

    response = match_text(stub, "free gift card")
    assert [(h.term_id, h.list_version) for h in response.hits] == [("free-gift-card", 1)]


def test_a_request_over_the_servers_size_limit_is_refused_unread(
    stub: termmatch_pb2_grpc.TermMatchServiceStub,
) -> None:
    with pytest.raises(grpc.RpcError) as refused:
        stub.Match(pb.MatchRequest(text="a" * (MAX_REQUEST_BYTES + 1)), timeout=30)
    assert refused.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert str(MAX_REQUEST_BYTES) in str(refused.value.details())
    assert match_text(stub, "hello").hits == []  # and it keeps serving


def test_an_edit_survives_a_restart(tmp_path_factory: pytest.TempPathFactory) -> None:
    settings = loopback_settings(tmp_path_factory.mktemp("termmatch-restart"))
    with (
        ServiceProcess("termmatch", settings),
        mesh_channel(settings, settings.termmatch_addr) as channel,
    ):
        stub = termmatch_pb2_grpc.TermMatchServiceStub(channel)
        stub.CreateList(sample_request(), timeout=10)
        stub.AddTerms(add(term("urgent offer"))[1], timeout=10)
    with (
        ServiceProcess("termmatch", settings),
        mesh_channel(settings, settings.termmatch_addr) as channel,
    ):
        stub = termmatch_pb2_grpc.TermMatchServiceStub(channel)
        response = match_text(stub, "an urgent offer")
    assert [(h.term_id, h.list_version) for h in response.hits] == [("urgent-offer", 2)]


def test_update_list_and_update_terms_make_new_versions_that_match_at_capture_time(
    stub: termmatch_pb2_grpc.TermMatchServiceStub,
) -> None:
    stub.CreateList(
        pb.CreateListRequest(
            list_id="windows",
            name="Windows",
            terms=[
                pb.Term(
                    term_id="sale",
                    text="flash sale",
                    severity=LOW,
                    active_from=Timestamp(seconds=1_700_000_000),
                    active_until=Timestamp(seconds=1_800_000_000),
                )
            ],
        ),
        timeout=10,
    )

    def hits(text: str, seconds: int) -> list[tuple[str, int]]:
        request = pb.MatchRequest(
            text=text, list_ids=["windows"], capture_time=Timestamp(seconds=seconds)
        )
        return [(h.term_id, h.list_version) for h in stub.Match(request, timeout=10).hits]

    assert hits("FLASH SALE", 1_750_000_000) == [("sale", 1)]
    assert hits("FLASH SALE", 1_850_000_000) == []

    flags = pb.NormalizationFlags(nfkc=True, casefold=True, collapse_repeats=True)
    updated = stub.UpdateList(
        pb.UpdateListRequest(list_id="windows", name="Windows", flags=flags), timeout=10
    ).list
    assert (updated.version, updated.flags.collapse_repeats) == (2, True)
    assert hits("flaaash sale", 1_750_000_000) == [("sale", 2)]

    edited = stub.UpdateTerms(
        pb.UpdateTermsRequest(
            list_id="windows", terms=[pb.Term(term_id="sale", text="mega sale", severity=HIGH)]
        ),
        timeout=10,
    )
    assert (edited.list.version, edited.terms[0].text) == (3, "mega sale")
    assert not edited.terms[0].HasField("active_until")
    assert hits("mega sale", 1_850_000_000) == [("sale", 3)]
    first = stub.GetList(pb.GetListRequest(list_id="windows", version=1), timeout=10).list
    assert (first.terms[0].text, first.flags.collapse_repeats) == ("flash sale", False)
