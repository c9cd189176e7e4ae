"""Evidence between the engines' protobuf and decision's domain, field for field."""

from __future__ import annotations

from modmesh.contracts.common.v1 import evidence_pb2
from modmesh.decision.convert import case_to_pb, similarity_match_from_pb
from modmesh.decision.domain import Case, CaseStatus, Evidence
from modmesh.decision.stored import evidence_from_json, evidence_json
from tests.decision.examples import CAPTURED, media, similarity_match, source


def test_a_similarity_match_keeps_the_signal_that_matched() -> None:
    match = similarity_match(signal="audio")
    message = evidence_pb2.SimilarityMatch(
        item_id=match.item_id,
        bank=match.bank,
        distance=match.distance,
        query_match_percent=match.query_match_percent,
        item_match_percent=match.item_match_percent,
        query_ranges=[evidence_pb2.TimeRange(start_seconds=0.0, end_seconds=5.0)],
        item_ranges=[evidence_pb2.TimeRange(start_seconds=1.0, end_seconds=6.0)],
        label=match.label,
        index_snapshot=match.index_snapshot,
        signal="audio",
    )

    assert similarity_match_from_pb(message) == match
    case = Case(
        "case-1", CaseStatus.OPEN, None, media(), source(),
        Evidence(similarity_matches=(match,)), None, "", "", CAPTURED, CAPTURED,
    )  # fmt: skip
    [shown] = case_to_pb(case).similarity_matches
    assert shown == message


def test_evidence_stored_before_matches_named_their_signal_still_loads() -> None:
    stored = evidence_json(Evidence(similarity_matches=(similarity_match(signal=""),)))
    del stored["similarity_matches"][0]["signal"]

    assert evidence_from_json(stored).similarity_matches[0].signal == ""
