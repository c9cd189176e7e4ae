"""The decision process sweeps the blob store: blobs no case refers to go once their
grace period is over; a case's media stays, and so does the clip a live flag keeps."""

from __future__ import annotations

import os
import time
from pathlib import Path

from modmesh.contracts.decision.v1 import decision_pb2, decision_pb2_grpc
from modmesh.contracts.evidence import TimeRange
from modmesh.decision.compose import SqlStore
from modmesh.decision.domain import LiveClip
from modmesh.decision.intake.sweeper import sweep_blobs
from modmesh.runtime.blobs import BlobStore
from tests.decision.examples import CAPTURED, term_hit
from tests.decision.wire import media_ref
from tests.support import AUDIT_KEY, ServiceProcess, loopback_settings, mesh_channel

GRACE_SECONDS = 60


def age(path: Path) -> None:
    then = time.time() - 2 * GRACE_SECONDS
    os.utime(path, (then, then))


def test_decision_sweeps_old_blobs_no_case_refers_to(tmp_path: Path, gift_card_clip: Path) -> None:
    settings = loopback_settings(
        tmp_path, engine_timeout_seconds=2.0, blob_sweep_seconds=0.5, blob_grace_seconds=60
    )
    blobs = BlobStore.of_mesh(settings)
    with (
        ServiceProcess("decision", settings) as decision,
        mesh_channel(settings, decision.address) as channel,
    ):
        case_media = blobs.put_file(gift_card_clip, "video/mp4")
        decision_pb2_grpc.DecisionServiceStub(channel).Submit(
            decision_pb2.SubmitRequest(
                media=media_ref(case_media), source=decision_pb2.Source(account_id="a")
            )
        )
        orphan = blobs.put([b"an upload whose Submit never came"])
        recent = blobs.put([b"an upload whose Submit is on its way"])
        age(case_media.path)
        age(orphan.path)

        deadline = time.monotonic() + 30
        while orphan.path.exists() and time.monotonic() < deadline:
            time.sleep(0.2)

    assert not orphan.path.exists()
    assert case_media.path.exists()
    assert recent.path.exists()
    assert '"event": "blobs swept"' in decision.log()


async def test_a_clip_stays_while_its_live_flag_does_and_a_clip_no_flag_took_goes(
    database_url: str, tmp_path: Path
) -> None:
    store = SqlStore(database_url, audit_key=AUDIT_KEY)
    blobs = BlobStore(tmp_path / "blobs", 1 << 20)
    store.open_stream("stream-1", "streamer-1", CAPTURED, 0.0, "call-1")
    rules = store.active_rules().rule_set
    [flag], _, _ = store.record_live_update("stream-1", "call-1", [(term_hit(), ())], 4.0, rules)
    kept = blobs.put([b"the audio around flag 1"], "audio/wav")
    store.keep_live_clip("stream-1", LiveClip(flag.sequence, kept, TimeRange(0.0, 8.4)))
    # A call that died between storing a clip and linking it leaves a blob no flag has.
    unlinked = blobs.put([b"the audio of a clip never linked"], "audio/wav")
    age(kept.path)
    age(unlinked.path)

    removed = await sweep_blobs(store, blobs, GRACE_SECONDS)
    store.close()

    assert removed == 1
    assert kept.path.exists()
    assert not unlinked.path.exists()
