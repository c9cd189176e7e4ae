"""Evidence (and live actions) between the wire's protobuf and decision's domain, field
for field."""

from __future__ import annotations

from modmesh.contracts.common.v1 import evidence_pb2
from modmesh.contracts.decision.v1 import decision_pb2
from modmesh.contracts.evidence import TimeRange
from modmesh.decision.convert import case_to_pb, similarity_match_from_pb
from modmesh.decision.domain import (
    ActionType,
    Case,
    CaseStatus,
    Evidence,
    LiveAction,
    LiveClip,
    RuleRef,
)
from modmesh.decision.live.convert import live_action_to_pb
from modmesh.decision.stored import evidence_from_json, evidence_json
from modmesh.runtime.blobs import Blob
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


def test_a_live_streams_case_shows_each_flags_clip_with_the_offsets_it_covers() -> None:
    clip = LiveClip(2, Blob("c" * 64, "file:///blobs/cc/" + "c" * 64, 480_044, "audio/wav"),
                    TimeRange(31.5, 46.5))  # fmt: skip
    case = Case(
        "case-1", CaseStatus.OPEN, None, media(), source(), None, None, "", "",
        CAPTURED, CAPTURED, live_clips=(clip,),
    )  # fmt: skip

    [shown] = case_to_pb(case).live_clips

    assert shown == decision_pb2.LiveClip(
        flag_sequence=2,
        media=evidence_pb2.MediaRef(
            sha256="c" * 64,
            uri="file:///blobs/cc/" + "c" * 64,
            size_bytes=480_044,
            mime_type="audio/wav",
        ),
        time_range=evidence_pb2.TimeRange(start_seconds=31.5, end_seconds=46.5),
    )


def test_a_moderators_end_of_a_stream_goes_out_without_a_rule() -> None:
    by_moderator = live_action_to_pb(
        LiveAction(ActionType.END_STREAM, "case-1", None, "scam policy 4.2")
    )
    by_rule = live_action_to_pb(
        LiveAction(ActionType.END_STREAM, "case-1", RuleRef("end-scams", 2), "ended by rule")
    )

    assert by_moderator.type == decision_pb2.ACTION_TYPE_END_STREAM
    assert (by_moderator.case_id, by_moderator.statement_of_reasons) == (
        "case-1",
        "scam policy 4.2",
    )
    assert not by_moderator.HasField("rule")
    assert (by_rule.rule.rule_id, by_rule.rule.version) == ("end-scams", 2)
