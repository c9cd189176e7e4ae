"""The scoring service as callers see it: one real process, over gRPC, seeded with the
sample example set. Scores carry their explanation on the wire; bad input gets the right
status and a message a person understands."""

import json
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from google.protobuf import json_format

from modmesh.cli.samples import EXAMPLE_SET
from modmesh.contracts.common.v1 import evidence_pb2
from modmesh.contracts.scoring.v1 import scoring_pb2 as pb
from modmesh.contracts.scoring.v1 import scoring_pb2_grpc
from tests.support import LoopbackSettings, ServiceProcess, loopback_settings, mesh_channel


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> LoopbackSettings:
    return loopback_settings(Path(tmp_path_factory.mktemp("scoring")), scoring_max_text_chars=2000)


@pytest.fixture(scope="module")
def stub(settings: LoopbackSettings) -> Iterator[scoring_pb2_grpc.ScoringServiceStub]:
    with (
        ServiceProcess("scoring", settings),
        mesh_channel(settings, settings.scoring_addr) as channel,
    ):
        stub = scoring_pb2_grpc.ScoringServiceStub(channel)
        request = json_format.ParseDict(
            json.loads(EXAMPLE_SET.read_text()), pb.CreateExampleSetRequest()
        )
        request.actor = "admin-1"
        stub.CreateExampleSet(request, timeout=60)
        yield stub


def test_a_transcript_is_scored_per_category_with_its_window_times_and_examples(
    stub: scoring_pb2_grpc.ScoringServiceStub,
) -> None:
    said = "hi all, reply with the code we texted you or your account gets closed today"
    words = [
        evidence_pb2.Word(text=w, start_seconds=i, end_seconds=i + 0.5)
        for i, w in enumerate(said.split())
    ]
    reply = stub.Score(pb.ScoreRequest(words=pb.WordSequence(words=words)), timeout=30)
    assert reply.text == said
    assert [s.set_id for s in reply.sets] == ["sample-scams"]
    assert {score.category for score in reply.scores} == {"scam", "phishing", "spam"}
    best = reply.scores[0]
    assert (best.category, best.flagged, best.set_version) == ("phishing", True, 1)
    assert best.model.model == reply.model.model == "sentence-transformers/all-MiniLM-L6-v2"
    assert (best.window.start_seconds, best.window.end_seconds) == (0.0, len(words) - 0.5)
    assert best.nearest_positives[0].label == pb.LABEL_POSITIVE
    assert 0 < best.nearest_positives[0].similarity <= 1
    assert best.nearest_negatives[0].label == pb.LABEL_NEGATIVE


def test_example_sets_are_versioned_and_bad_sets_are_refused_naming_why(
    stub: scoring_pb2_grpc.ScoringServiceStub,
) -> None:
    positive = pb.Example(
        text="gift cards only, read me the numbers", category="scam", label=pb.LABEL_POSITIVE
    )
    added = stub.AddExamples(
        pb.AddExamplesRequest(set_id="sample-scams", examples=[positive]), timeout=60
    )
    assert added.set.version == 2
    assert added.examples[0].example_id
    earlier = stub.GetExampleSet(
        pb.GetExampleSetRequest(set_id="sample-scams", version=1), timeout=10
    )
    assert earlier.set.example_count == added.set.example_count - 1
    contradiction = pb.Example(text=positive.text, category="scam", label=pb.LABEL_NEGATIVE)
    with pytest.raises(grpc.RpcError) as refused:
        stub.AddExamples(
            pb.AddExamplesRequest(set_id="sample-scams", examples=[contradiction]), timeout=60
        )
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "labelled both positive" in str(refused.value.details())
    unknown_label = pb.Example(text="hello", category="scam", label=7)  # type: ignore[arg-type]
    with pytest.raises(grpc.RpcError) as refused:
        stub.AddExamples(
            pb.AddExamplesRequest(set_id="sample-scams", examples=[unknown_label]), timeout=60
        )
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "LABEL_POSITIVE or LABEL_NEGATIVE" in str(refused.value.details())
    (listed,) = stub.ListExampleSets(pb.ListExampleSetsRequest(), timeout=10).sets
    assert listed.version == 2


@pytest.mark.parametrize(
    ("request_", "code", "message"),
    [
        (
            pb.ScoreRequest(text="x " * 1001),
            grpc.StatusCode.INVALID_ARGUMENT,
            "at most 2000 characters",
        ),
        (
            pb.ScoreRequest(text="hello", set_ids=["nope"]),
            grpc.StatusCode.NOT_FOUND,
            "no example set nope",
        ),
    ],
    ids=["huge text", "unknown set"],
)
def test_bad_input_gets_its_status_and_a_readable_message(
    stub: scoring_pb2_grpc.ScoringServiceStub,
    request_: pb.ScoreRequest,
    code: grpc.StatusCode,
    message: str,
) -> None:
    with pytest.raises(grpc.RpcError) as refused:
        stub.Score(request_, timeout=30)
    assert refused.value.code() == code
    assert message in str(refused.value.details())
    assert "Traceback" not in str(refused.value.details())


def test_a_call_without_a_service_token_is_refused(
    stub: scoring_pb2_grpc.ScoringServiceStub, settings: LoopbackSettings
) -> None:
    with (
        grpc.insecure_channel(settings.scoring_addr) as channel,
        pytest.raises(grpc.RpcError) as refused,
    ):
        scoring_pb2_grpc.ScoringServiceStub(channel).ListExampleSets(
            pb.ListExampleSetsRequest(), timeout=10
        )
    assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
