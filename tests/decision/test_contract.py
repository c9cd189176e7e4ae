"""The decision service as a real process, with the engines absent: every refusal,
and what becomes of a case when the engines cannot be reached."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest

from modmesh.contracts.common.v1 import evidence_pb2
from modmesh.contracts.decision.v1 import decision_pb2, decision_pb2_grpc
from modmesh.runtime.blobs import BlobStore
from modmesh.runtime.settings import MIB
from tests.decision.wire import media_ref, refused, until_analysed
from tests.support import LoopbackSettings, ServiceProcess, loopback_settings, mesh_channel

ACCOUNT = decision_pb2.Source(account_id="account-1")


def mesh_settings(data_dir: Path) -> LoopbackSettings:
    # Nothing listens at the engine addresses; a short wait for them keeps failures quick,
    # and the first retry comes after the tests are done.
    return loopback_settings(
        data_dir,
        engine_timeout_seconds=2.0,
        engine_wait_seconds=1.0,
        max_media_bytes=MIB,
        case_retry_first_seconds=600,
        case_retry_max_seconds=600,
    )


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> LoopbackSettings:
    return mesh_settings(tmp_path_factory.mktemp("decision-contract"))


@pytest.fixture(scope="module")
def blobs(settings: LoopbackSettings) -> BlobStore:
    return BlobStore(settings.data_dir / "blobs", settings.max_media_bytes)


@pytest.fixture(scope="module")
def decision(settings: LoopbackSettings) -> Iterator[decision_pb2_grpc.DecisionServiceStub]:
    with (
        ServiceProcess("decision", settings) as process,
        mesh_channel(process.settings, process.address) as channel,
    ):
        yield decision_pb2_grpc.DecisionServiceStub(channel)


@pytest.fixture(scope="module")
def clip(blobs: BlobStore, gift_card_clip: Path) -> evidence_pb2.MediaRef:
    return media_ref(blobs.put_file(gift_card_clip, "video/mp4"))


def assert_refused(error: grpc.RpcError, code: grpc.StatusCode, *phrases: str) -> None:
    assert error.code() == code, error.details()
    for phrase in phrases:
        assert phrase in error.details()


def test_submit_without_media_is_invalid(decision: decision_pb2_grpc.DecisionServiceStub) -> None:
    error = refused(lambda: decision.Submit(decision_pb2.SubmitRequest(source=ACCOUNT)))

    assert_refused(error, grpc.StatusCode.INVALID_ARGUMENT, "media is required")


#: The one refusal of every reference that does not name a stored blob with its bytes.
UNRESOLVABLE = "media is not a blob of the mesh's blob store whose bytes match"


def attack_refs(
    settings: LoopbackSettings, blobs: BlobStore, gift_card_clip: Path
) -> dict[str, evidence_pb2.MediaRef]:
    """References an attacker sends instead of one to a blob it uploaded."""
    stored = blobs.put_file(gift_card_clip, "video/mp4")
    outside = settings.data_dir / "secret.wav"
    outside.write_bytes(gift_card_clip.read_bytes())
    escape = blobs.root / stored.sha256[:2] / ".." / ".." / "secret.wav"
    linked_sha = "c" * 64
    (blobs.root / "cc").mkdir(exist_ok=True)
    (blobs.root / "cc" / linked_sha).unlink(missing_ok=True)
    (blobs.root / "cc" / linked_sha).symlink_to(outside)
    return {
        "a file outside the store": evidence_pb2.MediaRef(
            sha256=stored.sha256, uri="file:///etc/passwd"
        ),
        "a server file that exists, with its true sha256": evidence_pb2.MediaRef(
            sha256=stored.sha256, uri=outside.as_uri()
        ),
        "a path that climbs out with ..": evidence_pb2.MediaRef(
            sha256=stored.sha256, uri="file://" + str(escape)
        ),
        "a symlink in the store to a file outside": evidence_pb2.MediaRef(
            sha256=linked_sha, uri=(blobs.root / "cc" / linked_sha).as_uri()
        ),
        "a path that does not exist": evidence_pb2.MediaRef(
            sha256="a" * 64, uri=(blobs.root / "aa" / ("a" * 64)).as_uri()
        ),
        "a stored blob with a wrong sha256": evidence_pb2.MediaRef(sha256="b" * 64, uri=stored.uri),
        "a stored blob with a wrong size": evidence_pb2.MediaRef(
            sha256=stored.sha256, uri=stored.uri, size_bytes=stored.size_bytes + 1
        ),
        "another host": evidence_pb2.MediaRef(
            sha256=stored.sha256, uri="file://elsewhere" + stored.uri.removeprefix("file://")
        ),
        "not a file URI": evidence_pb2.MediaRef(
            sha256=stored.sha256, uri="https://example.com/clip.mp4"
        ),
    }


def test_every_reference_outside_the_store_or_to_other_bytes_gets_one_uniform_refusal(
    decision: decision_pb2_grpc.DecisionServiceStub,
    settings: LoopbackSettings,
    blobs: BlobStore,
    gift_card_clip: Path,
) -> None:
    details = set()
    for name, ref in attack_refs(settings, blobs, gift_card_clip).items():
        request = decision_pb2.SubmitRequest(media=ref, source=ACCOUNT)
        error = refused(functools.partial(decision.Submit, request))
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, name
        assert UNRESOLVABLE in error.details(), name
        assert "passwd" not in error.details(), name
        assert "secret" not in error.details(), name
        # Only the echoed sha256 differs: nothing tells which files exist on the server.
        details.add(error.details().replace(ref.sha256, "<sha256>"))
    assert len(details) == 1, details


def test_submit_of_a_blob_that_is_not_media_is_invalid(
    decision: decision_pb2_grpc.DecisionServiceStub, blobs: BlobStore
) -> None:
    text = media_ref(blobs.put([b"this is a shopping list, not a video"]))

    error = refused(lambda: decision.Submit(decision_pb2.SubmitRequest(media=text, source=ACCOUNT)))

    assert_refused(error, grpc.StatusCode.INVALID_ARGUMENT, "not a media file")


def test_submit_of_an_empty_blob_is_invalid(
    decision: decision_pb2_grpc.DecisionServiceStub, blobs: BlobStore
) -> None:
    sha256 = hashlib.sha256(b"").hexdigest()
    empty = blobs.root / sha256[:2] / sha256
    empty.parent.mkdir(parents=True, exist_ok=True)
    empty.touch()
    ref = evidence_pb2.MediaRef(sha256=sha256, uri=empty.as_uri())

    error = refused(lambda: decision.Submit(decision_pb2.SubmitRequest(media=ref, source=ACCOUNT)))

    assert_refused(error, grpc.StatusCode.INVALID_ARGUMENT, UNRESOLVABLE)


def test_submit_of_a_blob_over_the_size_limit_is_refused(
    decision: decision_pb2_grpc.DecisionServiceStub, settings: LoopbackSettings, blobs: BlobStore
) -> None:
    # Placed in the store by hand: the store itself refuses to write one this large.
    large = blobs.root / "ff" / ("f" * 64)
    large.parent.mkdir(parents=True, exist_ok=True)
    with large.open("wb") as out:
        out.truncate(settings.max_media_bytes + 1)
    ref = evidence_pb2.MediaRef(sha256="f" * 64, uri=large.as_uri())

    error = refused(lambda: decision.Submit(decision_pb2.SubmitRequest(media=ref, source=ACCOUNT)))

    assert_refused(error, grpc.StatusCode.RESOURCE_EXHAUSTED, "over the limit")


def test_submit_without_an_account_id_is_invalid(
    decision: decision_pb2_grpc.DecisionServiceStub, clip: evidence_pb2.MediaRef
) -> None:
    request = decision_pb2.SubmitRequest(media=clip, source=decision_pb2.Source(content_id="c"))

    error = refused(lambda: decision.Submit(request))

    assert_refused(error, grpc.StatusCode.INVALID_ARGUMENT, "source.account_id")


def test_an_unknown_case_is_not_found(decision: decision_pb2_grpc.DecisionServiceStub) -> None:
    error = refused(lambda: decision.GetCase(decision_pb2.GetCaseRequest(case_id="no-such-case")))

    assert_refused(error, grpc.StatusCode.NOT_FOUND, "no-such-case")


@pytest.mark.parametrize("limit", [-1, 501])
def test_list_limits_outside_1_to_500_are_invalid(
    decision: decision_pb2_grpc.DecisionServiceStub, limit: int
) -> None:
    error = refused(lambda: decision.ListCases(decision_pb2.ListCasesRequest(limit=limit)))

    assert_refused(error, grpc.StatusCode.INVALID_ARGUMENT, "limit", str(limit))


def test_an_action_on_an_unknown_case_is_not_found(
    decision: decision_pb2_grpc.DecisionServiceStub,
) -> None:
    request = decision_pb2.RecordActionRequest(
        case_id="no-such-case", type=decision_pb2.ACTION_TYPE_NO_VIOLATION, actor="rev-1"
    )

    error = refused(lambda: decision.RecordAction(request))

    assert_refused(error, grpc.StatusCode.NOT_FOUND, "no-such-case")


@pytest.mark.parametrize(
    ("request_fields", "field"),
    [
        ({"actor": "rev-1"}, "type"),
        ({"type": decision_pb2.ACTION_TYPE_NO_VIOLATION}, "actor"),
        ({"type": decision_pb2.ACTION_TYPE_REMOVE_CONTENT, "actor": "rev-1"}, "reason"),
    ],
)
def test_an_incomplete_action_is_invalid_naming_the_missing_field(
    decision: decision_pb2_grpc.DecisionServiceStub, request_fields: dict[str, Any], field: str
) -> None:
    request = decision_pb2.RecordActionRequest(case_id="any", **request_fields)

    error = refused(lambda: decision.RecordAction(request))

    assert_refused(error, grpc.StatusCode.INVALID_ARGUMENT, field)


def test_without_engines_a_case_is_accepted_then_retrying_naming_the_engines(
    decision: decision_pb2_grpc.DecisionServiceStub, clip: evidence_pb2.MediaRef
) -> None:
    reply = decision.Submit(decision_pb2.SubmitRequest(media=clip, source=ACCOUNT))

    assert reply.status == decision_pb2.CASE_STATUS_PROCESSING
    assert not reply.duplicate
    case = until_analysed(decision, reply.case_id, timeout=30)
    assert case.status == decision_pb2.CASE_STATUS_RETRYING
    assert case.attempts == 1
    # The first retry is 600 s away, less up to half of it for the jitter.
    waits = case.next_attempt_at.ToDatetime() - case.updated_at.ToDatetime()
    assert 299 <= waits.total_seconds() <= 600
    # The case waited for engines that were down (engine_wait_seconds), then was RETRYING.
    assert "transcription failed: UNAVAILABLE: no ready transcription after 1 s" in case.error
    assert "similarity failed: UNAVAILABLE: no ready similarity after 1 s" in case.error
    assert case.media.sha256 == clip.sha256
    assert case.source.content_id == clip.sha256  # the default content id
    assert case.source.HasField("capture_time")


def test_the_same_submission_again_returns_the_existing_case(
    decision: decision_pb2_grpc.DecisionServiceStub, clip: evidence_pb2.MediaRef
) -> None:
    source = decision_pb2.Source(account_id="account-2", content_id="post-9")
    first = decision.Submit(decision_pb2.SubmitRequest(media=clip, source=source))

    again = decision.Submit(decision_pb2.SubmitRequest(media=clip, source=source))

    assert again.case_id == first.case_id
    assert again.duplicate
    listed = decision.ListCases(decision_pb2.ListCasesRequest()).cases
    assert [c.case_id for c in listed].count(first.case_id) == 1


def test_a_case_that_is_not_open_takes_no_action(
    decision: decision_pb2_grpc.DecisionServiceStub, clip: evidence_pb2.MediaRef
) -> None:
    source = decision_pb2.Source(account_id="account-3")
    case_id = decision.Submit(decision_pb2.SubmitRequest(media=clip, source=source)).case_id
    until_analysed(decision, case_id, timeout=30)
    request = decision_pb2.RecordActionRequest(
        case_id=case_id, type=decision_pb2.ACTION_TYPE_NO_VIOLATION, actor="rev-1"
    )

    error = refused(lambda: decision.RecordAction(request))

    assert_refused(error, grpc.StatusCode.FAILED_PRECONDITION, "RETRYING")


def test_a_case_survives_a_restart(tmp_path: Path, gift_card_clip: Path) -> None:
    settings = mesh_settings(tmp_path / "data")
    clip = media_ref(BlobStore(settings.data_dir / "blobs", MIB).put_file(gift_card_clip))
    request = decision_pb2.SubmitRequest(media=clip, source=ACCOUNT)
    with (
        ServiceProcess("decision", settings) as process,
        mesh_channel(process.settings, process.address) as channel,
    ):
        stub = decision_pb2_grpc.DecisionServiceStub(channel)
        case_id = stub.Submit(request).case_id
        before = until_analysed(stub, case_id, timeout=30)

    with (
        ServiceProcess("decision", settings) as process,
        mesh_channel(process.settings, process.address) as channel,
    ):
        stub = decision_pb2_grpc.DecisionServiceStub(channel)
        after = stub.GetCase(decision_pb2.GetCaseRequest(case_id=case_id)).case
        again = stub.Submit(request)

    assert after == before
    assert (again.case_id, again.duplicate) == (case_id, True)


@pytest.mark.parametrize(
    ("request_fields", "code", "phrase"),
    [
        ({"case_ids": ["any"]}, grpc.StatusCode.INVALID_ARGUMENT, "actor is required"),
        ({"actor": "op"}, grpc.StatusCode.INVALID_ARGUMENT, "name the cases to retry"),
        (
            {"actor": "op", "case_ids": ["any"], "all_failed": True},
            grpc.StatusCode.INVALID_ARGUMENT,
            "not both",
        ),
        ({"actor": "op", "case_ids": ["no-such-case"]}, grpc.StatusCode.NOT_FOUND, "no-such-case"),
    ],
)
def test_a_retry_that_names_no_failed_case_is_refused(
    decision: decision_pb2_grpc.DecisionServiceStub,
    request_fields: dict[str, Any],
    code: grpc.StatusCode,
    phrase: str,
) -> None:
    error = refused(lambda: decision.RetryCases(decision_pb2.RetryCasesRequest(**request_fields)))

    assert_refused(error, code, phrase)


def test_only_failed_cases_are_retried(
    decision: decision_pb2_grpc.DecisionServiceStub, clip: evidence_pb2.MediaRef
) -> None:
    source = decision_pb2.Source(account_id="account-4")
    case_id = decision.Submit(decision_pb2.SubmitRequest(media=clip, source=source)).case_id
    assert until_analysed(decision, case_id, timeout=30).status == (
        decision_pb2.CASE_STATUS_RETRYING
    )

    error = refused(
        lambda: decision.RetryCases(decision_pb2.RetryCasesRequest(case_ids=[case_id], actor="op"))
    )

    assert_refused(error, grpc.StatusCode.FAILED_PRECONDITION, "RETRYING", "only FAILED")
