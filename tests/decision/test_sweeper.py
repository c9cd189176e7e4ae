"""The decision process sweeps the blob store: blobs no case refers to go once their
grace period is over; a case's media stays."""

from __future__ import annotations

import os
import time
from pathlib import Path

from modmesh.contracts.decision.v1 import decision_pb2, decision_pb2_grpc
from modmesh.runtime.blobs import BlobStore
from tests.decision.wire import media_ref
from tests.support import ServiceProcess, loopback_settings, mesh_channel

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
