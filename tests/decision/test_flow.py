"""The whole flow through the real engine processes: a re-encoded copy of a known scam
clip becomes an OPEN case with its evidence (term hits, similarity, model scores), and a
reviewer's removal closes it."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from google.protobuf import json_format

from modmesh.cli.samples import EXAMPLE_SET, SAMPLE_BANK, TERM_LIST
from modmesh.contracts.decision.v1 import decision_pb2, decision_pb2_grpc
from modmesh.contracts.scoring.v1 import scoring_pb2, scoring_pb2_grpc
from modmesh.contracts.similarity.v1 import similarity_pb2, similarity_pb2_grpc
from modmesh.contracts.termmatch.v1 import termmatch_pb2, termmatch_pb2_grpc
from modmesh.runtime.blobs import BlobStore
from modmesh.runtime.media import require_tool
from tests.decision.wire import media_ref, until_analysed
from tests.support import LoopbackSettings, ServiceProcess, loopback_settings, mesh_channel
from tests.transcription.support import recorded_prompt

KNOWN_ITEM = "gift-card-original"


@pytest.fixture(scope="module")
def mesh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoopbackSettings]:
    settings = loopback_settings(tmp_path_factory.mktemp("decision-flow"))
    with ExitStack() as processes:
        for service in ("transcription", "scoring", "termmatch", "similarity", "decision"):
            processes.enter_context(ServiceProcess(service, settings))
        with mesh_channel(settings, settings.scoring_addr) as channel:
            scoring_pb2_grpc.ScoringServiceStub(channel).CreateExampleSet(
                json_format.ParseDict(
                    json.loads(EXAMPLE_SET.read_text()), scoring_pb2.CreateExampleSetRequest()
                )
            )
        yield settings


def reencoded(original: Path, out: Path) -> Path:
    """The same clip as an uploader's copy would be: rescaled, recompressed, other bytes."""
    subprocess.run(  # noqa: S603 - ffmpeg with arguments we build
        [
            require_tool("ffmpeg"), "-nostdin", "-v", "error", "-y", "-i", str(original),
            "-vf", "scale=288:216", "-c:v", "libx264", "-preset", "veryfast", "-crf", "34",
            "-c:a", "aac", "-b:a", "64k", str(out),
        ],
        check=True,
    )  # fmt: skip
    return out


def test_a_copy_of_a_known_scam_clip_is_queued_with_its_evidence_and_closed_by_a_reviewer(
    mesh: LoopbackSettings, gift_card_clip: Path, tmp_path: Path
) -> None:
    blobs = BlobStore(mesh.data_dir / "blobs", mesh.max_media_bytes)
    with (
        mesh_channel(mesh, mesh.termmatch_addr) as termmatch_channel,
        mesh_channel(mesh, mesh.similarity_addr) as similarity_channel,
        mesh_channel(mesh, mesh.decision_addr) as decision_channel,
    ):
        termmatch = termmatch_pb2_grpc.TermMatchServiceStub(termmatch_channel)
        similarity = similarity_pb2_grpc.SimilarityServiceStub(similarity_channel)
        decision = decision_pb2_grpc.DecisionServiceStub(decision_channel)
        term_list = json_format.ParseDict(
            json.loads(TERM_LIST.read_text()), termmatch_pb2.CreateListRequest()
        )
        termmatch.CreateList(term_list)
        similarity.AddItem(
            similarity_pb2.AddItemRequest(
                media=media_ref(blobs.put_file(gift_card_clip, "video/mp4")),
                bank=SAMPLE_BANK,
                item_id=KNOWN_ITEM,
                label="free gift card scam",
            )
        )
        copy = media_ref(blobs.put_file(reencoded(gift_card_clip, tmp_path / "copy.mp4")))

        submitted = decision.Submit(
            decision_pb2.SubmitRequest(
                media=copy, source=decision_pb2.Source(account_id="uploader-7")
            )
        )
        case = until_analysed(decision, submitted.case_id, timeout=240)

        assert case.status == decision_pb2.CASE_STATUS_OPEN, case.error
        assert case.priority == decision_pb2.PRIORITY_HIGH
        assert case.rule.rule_id == "default-any-evidence"
        assert case.rule.version == 1
        assert case.transcript.language == "en"
        [hit] = [h for h in case.term_hits if h.term == "free gift card"]
        assert (hit.list_id, hit.list_version) == ("sample-scams", 1)
        # The speech starts 2 s in; the phrase follows "Hello there. Get your".
        assert 2.0 < hit.time_range.start_seconds < hit.time_range.end_seconds < 7.0
        [match] = case.similarity_matches
        assert (match.item_id, match.bank) == (KNOWN_ITEM, SAMPLE_BANK)
        assert '"free gift card" from list sample-scams v1' in case.statement_of_reasons
        assert f"item {KNOWN_ITEM}" in case.statement_of_reasons
        # "Get your free gift card now" resembles the sample set's first scam example.
        [scam] = [s for s in case.model_scores if s.category == "scam"]
        assert (scam.set_id, scam.set_version) == ("sample-scams", 1)
        assert scam.flagged
        assert scam.score >= scam.threshold
        assert scam.model.model == "sentence-transformers/all-MiniLM-L6-v2"
        assert scam.model.version
        # The clip's words are fewer than a window's 16: one window, around the term.
        assert (scam.window.word_start, scam.window.word_end) == (0, len(case.transcript.words))
        assert scam.window.start_seconds <= hit.time_range.start_seconds
        assert hit.time_range.end_seconds <= scam.window.end_seconds
        nearest = scam.nearest_positives[0]
        assert "gift card" in nearest.text
        assert scam.nearest_negatives
        assert (
            f"scored {scam.score:.2f} ≥ {scam.threshold:.2f} for scam "
            "(example set sample-scams v1) on words"
        ) in case.statement_of_reasons
        assert f'nearest: "{nearest.text}" {nearest.similarity:.2f}' in case.statement_of_reasons

        decision.PutReviewer(
            decision_pb2.PutReviewerRequest(
                reviewer=decision_pb2.Reviewer(reviewer_id="reviewer-1", languages=["en"]),
                actor="admin-1",
                reason="onboarding",
            )
        )
        queue = decision.ListQueue(decision_pb2.ListQueueRequest(reviewer_id="reviewer-1"))
        assert case.case_id in [c.case_id for c in queue.cases]
        decision.ClaimCase(
            decision_pb2.ClaimCaseRequest(case_id=case.case_id, reviewer_id="reviewer-1")
        )
        closed = decision.RecordAction(
            decision_pb2.RecordActionRequest(
                case_id=case.case_id,
                type=decision_pb2.ACTION_TYPE_REMOVE_CONTENT,
                actor="reviewer-1",
                reason="scam policy: gift card fraud",
            )
        ).case

        assert closed.status == decision_pb2.CASE_STATUS_CLOSED
        assert [(a.actor, a.reason) for a in closed.actions] == [
            ("reviewer-1", "scam policy: gift card fraud")
        ]
        queue = decision.ListCases(
            decision_pb2.ListCasesRequest(status=decision_pb2.CASE_STATUS_OPEN)
        ).cases
        assert case.case_id not in [c.case_id for c in queue]


def test_a_clip_in_a_language_not_transcribed_goes_to_a_reviewer_who_speaks_it(
    mesh: LoopbackSettings,
) -> None:
    blobs = BlobStore(mesh.data_dir / "blobs", mesh.max_media_bytes)
    spanish = blobs.put_file(recorded_prompt("es_MX_f_Allison", "vm-options"))
    with mesh_channel(mesh, mesh.decision_addr) as decision_channel:
        decision = decision_pb2_grpc.DecisionServiceStub(decision_channel)
        for reviewer, language in (("revisora-1", "es"), ("reviewer-2", "en")):
            decision.PutReviewer(
                decision_pb2.PutReviewerRequest(
                    reviewer=decision_pb2.Reviewer(reviewer_id=reviewer, languages=[language]),
                    actor="admin-1",
                    reason="onboarding",
                )
            )

        submitted = decision.Submit(
            decision_pb2.SubmitRequest(
                media=media_ref(spanish), source=decision_pb2.Source(account_id="uploader-9")
            )
        )
        case = until_analysed(decision, submitted.case_id, timeout=240)

        assert case.status == decision_pb2.CASE_STATUS_OPEN, case.error
        assert case.priority == decision_pb2.PRIORITY_LOW
        assert list(case.term_hits) == []
        assert case.transcript.language == "es"
        [speech] = case.transcript.untranscribed
        assert speech.language == "es"
        assert "Speech in es" in case.statement_of_reasons
        queued = {
            reviewer: [
                c.case_id
                for c in decision.ListQueue(
                    decision_pb2.ListQueueRequest(reviewer_id=reviewer)
                ).cases
            ]
            for reviewer in ("revisora-1", "reviewer-2")
        }
        assert queued == {"revisora-1": [case.case_id], "reviewer-2": []}
