"""Stills of known items: an item added from video keeps small JPEGs of its frames, and
GetItemFrame serves the one nearest a moment of it (the console shows it beside a match);
an item added as hashes or from audio keeps none, and an item's stills go with it."""

from __future__ import annotations

import json
import math
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
import sqlalchemy as sa

from modmesh.contracts.common.v1 import evidence_pb2
from modmesh.contracts.similarity.v1 import similarity_pb2, similarity_pb2_grpc
from modmesh.runtime.blobs import Blob, BlobStore
from modmesh.runtime.database import open_engine
from modmesh.runtime.errors import NotFound
from modmesh.runtime.identity import EndUser
from modmesh.runtime.media import probe, require_tool
from modmesh.similarity import stills
from modmesh.similarity.domain import Bank, Still, StoredItem
from modmesh.similarity.hashing import HashRun
from modmesh.similarity.stills import MAX_STILLS, sample_stills, still_rate
from modmesh.similarity.store import SqlSimilarityStore
from modmesh.similarity.tables import HASHES, ITEMS, STILLS
from tests.support import (
    AUDIT_KEY,
    LoopbackSettings,
    ServiceProcess,
    called_as,
    loopback_settings,
    mesh_channel,
)

BANK = "known-scams"
RUN = HashRun(bytes(range(32)), 0.0, 4.0, 90)
SOI, EOI = b"\xff\xd8", b"\xff\xd9"


def jpeg_stream(jpeg: bytes) -> dict[str, object]:
    """What ffprobe reads in `jpeg`: its only stream's codec and size."""
    result = subprocess.run(  # noqa: S603 - ffprobe with arguments we build
        [
            require_tool("ffprobe"), "-v", "error", "-show_entries",
            "stream=codec_name,width,height", "-of", "json", "-i", "pipe:0",
        ],
        input=jpeg,
        capture_output=True,
        check=True,
    )  # fmt: skip
    [stream] = json.loads(result.stdout)["streams"]
    described: dict[str, object] = stream
    return described


# -- taking stills ----------------------------------------------------------------------


def test_stills_are_small_jpegs_of_the_video_once_a_second(gift_card_clip: Path) -> None:
    taken = list(sample_stills(gift_card_clip, 1.0))

    duration = probe(gift_card_clip).duration_seconds
    assert [s.seconds for s in taken] == [float(n) for n in range(len(taken))]
    assert abs(len(taken) - duration) <= 1
    for still in taken:
        assert still.jpeg.startswith(SOI)
        assert still.jpeg.endswith(EOI)
        assert len(still.jpeg) < 10_000
    # The 4:3 clip shrunk to fit 160 x 160 pixels, keeping its shape.
    assert jpeg_stream(taken[0].jpeg) == {"codec_name": "mjpeg", "width": 160, "height": 120}


def test_an_item_keeps_a_still_a_second_at_most_and_at_most_600_spread_over_it() -> None:
    assert MAX_STILLS == 600
    assert still_rate(1.0, 60.0) == 1.0
    assert still_rate(5.0, 60.0) == 1.0
    # Hashed less often than once a second: a still at each hashed frame.
    assert still_rate(0.5, 60.0) == 0.5
    # An hour: one still every 6 s.
    assert still_rate(1.0, 3600.0) == pytest.approx(1 / 6)
    # A container that does not say how long it plays: once a second, up to MAX_STILLS.
    assert still_rate(1.0, 0.0) == 1.0


def test_taking_stills_stops_at_the_cap(
    gift_card_clip: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stills, "MAX_STILLS", 3)

    assert [s.seconds for s in sample_stills(gift_card_clip, 1.0)] == [0.0, 1.0, 2.0]


# -- keeping them (SQLite and PostgreSQL) -----------------------------------------------


@pytest.fixture
def store(database_url: str) -> Iterator[SqlSimilarityStore]:
    store = SqlSimilarityStore(database_url, audit_key=AUDIT_KEY)
    store.create_bank(Bank(BANK, 31, 50.0), actor="admin-1")
    yield store
    store.close()


def still_at(seconds: float) -> Still:
    return Still(seconds, SOI + f"a frame at {seconds} s".encode() + EOI)


KEPT = tuple(still_at(float(s)) for s in range(4))


def stills_rows(database_url: str) -> int:
    engine = open_engine(database_url)
    with engine.connect() as connection:
        count = connection.execute(sa.select(sa.func.count()).select_from(STILLS)).scalar_one()
    engine.dispose()
    return int(count)


def test_the_store_serves_the_still_nearest_a_moment(store: SqlSimilarityStore) -> None:
    store.add_item(StoredItem(BANK, "clip", "", (RUN,), stills=KEPT), actor="admin-1")

    assert store.nearest_still(BANK, "clip", 1.4) == KEPT[1]
    assert store.nearest_still(BANK, "clip", 1.6) == KEPT[2]
    # Halfway between two: the earlier.
    assert store.nearest_still(BANK, "clip", 2.5) == KEPT[2]
    assert store.nearest_still(BANK, "clip", 99.0) == KEPT[3]


def test_an_item_added_as_hashes_has_no_stills(store: SqlSimilarityStore) -> None:
    store.add_item(StoredItem(BANK, "shared", "", (RUN,)), actor="admin-1")

    assert store.nearest_still(BANK, "shared", 0.0) is None
    with pytest.raises(NotFound, match="item 'other' is not in bank 'known-scams'"):
        store.nearest_still(BANK, "other", 0.0)


def test_removing_an_item_removes_its_stills(store: SqlSimilarityStore, database_url: str) -> None:
    store.add_item(StoredItem(BANK, "clip", "", (RUN,), stills=KEPT), actor="admin-1")
    assert stills_rows(database_url) == len(KEPT)

    store.remove_item(BANK, "clip", actor="admin-1")

    assert stills_rows(database_url) == 0
    with pytest.raises(NotFound):
        store.nearest_still(BANK, "clip", 0.0)


def test_an_item_removed_as_the_release_before_removed_it_takes_its_stills(
    store: SqlSimilarityStore, database_url: str
) -> None:
    """During a rolling update a replica of the release before, which knows nothing of
    stills, may remove an item: its stills go too (the foreign key cascades)."""
    seq = store.add_item(StoredItem(BANK, "clip", "", (RUN,), stills=KEPT), actor="admin-1")

    engine = open_engine(database_url)
    with engine.begin() as connection:
        connection.execute(HASHES.delete().where(HASHES.c.item_seq == seq))
        connection.execute(ITEMS.delete().where(ITEMS.c.seq == seq))
    engine.dispose()

    assert stills_rows(database_url) == 0


# -- GetItemFrame over gRPC -------------------------------------------------------------


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> LoopbackSettings:
    return loopback_settings(tmp_path_factory.mktemp("similarity-frames"))


@pytest.fixture(scope="module")
def blobs(settings: LoopbackSettings) -> BlobStore:
    return BlobStore(settings.data_dir / "blobs", settings.max_media_bytes)


@pytest.fixture(scope="module")
def stub(settings: LoopbackSettings) -> Iterator[similarity_pb2_grpc.SimilarityServiceStub]:
    with (
        ServiceProcess("similarity", settings),
        mesh_channel(settings, settings.similarity_addr) as channel,
    ):
        yield similarity_pb2_grpc.SimilarityServiceStub(channel)


@pytest.fixture(scope="module")
def video_item(
    stub: similarity_pb2_grpc.SimilarityServiceStub, blobs: BlobStore, gift_card_clip: Path
) -> str:
    stub.AddItem(
        similarity_pb2.AddItemRequest(
            media=ref(blobs.put_file(gift_card_clip)), bank=BANK, item_id="video"
        )
    )
    return "video"


def ref(blob: Blob) -> evidence_pb2.MediaRef:
    return evidence_pb2.MediaRef(sha256=blob.sha256, uri=blob.uri, size_bytes=blob.size_bytes)


def refused(call: Callable[[Any], Any], request: Any) -> Any:
    """The error a call raised: a grpc.Call too, with its code() and details()."""
    with pytest.raises(grpc.RpcError) as raised:
        call(request)
    return raised.value


def frame_request(item_id: str, seconds: float) -> similarity_pb2.GetItemFrameRequest:
    return similarity_pb2.GetItemFrameRequest(bank=BANK, item_id=item_id, seconds=seconds)


def not_found(stub: similarity_pb2_grpc.SimilarityServiceStub, item_id: str) -> str:
    """The details of GetItemFrame's refusal, which must be NOT_FOUND."""
    error = refused(stub.GetItemFrame, frame_request(item_id, 1.0))
    assert error.code() == grpc.StatusCode.NOT_FOUND, error.details()
    return str(error.details())


def test_an_item_added_from_video_serves_its_still_nearest_a_moment(
    stub: similarity_pb2_grpc.SimilarityServiceStub, video_item: str, gift_card_clip: Path
) -> None:
    reply = stub.GetItemFrame(frame_request(video_item, 2.4))

    assert reply.seconds == 2.0
    assert reply.jpeg.startswith(SOI)
    assert reply.jpeg.endswith(EOI)
    assert jpeg_stream(reply.jpeg) == {"codec_name": "mjpeg", "width": 160, "height": 120}
    # The same frame as a still taken from the clip itself at that moment.
    assert reply.jpeg == list(sample_stills(gift_card_clip, 1.0))[2].jpeg
    # Past its end: its last still.
    last = stub.GetItemFrame(frame_request(video_item, 3600.0))
    assert last.seconds == math.floor(probe(gift_card_clip).duration_seconds)


def test_items_without_stills_and_unknown_items_are_not_found(
    stub: similarity_pb2_grpc.SimilarityServiceStub, blobs: BlobStore, audio_only_clip: Path
) -> None:
    stub.AddHashes(
        similarity_pb2.AddHashesRequest(
            bank=BANK,
            item_id="shared",
            hashes=similarity_pb2.FrameHashes(
                frames=[similarity_pb2.FrameHash(pdq_hex="f0" * 32, quality=90)]
            ),
        )
    )
    stub.AddItem(
        similarity_pb2.AddItemRequest(
            media=ref(blobs.put_file(audio_only_clip)), bank=BANK, item_id="voice"
        )
    )

    for item_id in ("shared", "voice"):
        assert f"item {item_id!r} of bank {BANK!r} has no frames" in not_found(stub, item_id)
    assert f"item 'nothing' is not in bank {BANK!r}" in not_found(stub, "nothing")


def test_a_removed_item_serves_no_still(
    stub: similarity_pb2_grpc.SimilarityServiceStub, blobs: BlobStore, gift_card_clip: Path
) -> None:
    media = ref(blobs.put_file(gift_card_clip))
    stub.AddItem(similarity_pb2.AddItemRequest(media=media, bank=BANK, item_id="gone"))
    assert stub.GetItemFrame(frame_request("gone", 0.0)).jpeg.startswith(SOI)

    stub.RemoveItem(similarity_pb2.RemoveItemRequest(bank=BANK, item_id="gone"))

    assert "item 'gone' is not in bank" in not_found(stub, "gone")


@pytest.mark.parametrize("seconds", [-1.0, math.nan, math.inf])
def test_a_moment_that_is_no_moment_is_refused(
    stub: similarity_pb2_grpc.SimilarityServiceStub, video_item: str, seconds: float
) -> None:
    error = refused(stub.GetItemFrame, frame_request(video_item, seconds))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "seconds must be a finite number of seconds >= 0" in str(error.details())


def test_the_gateway_asks_for_its_user_and_a_call_without_a_token_is_refused(
    settings: LoopbackSettings, video_item: str
) -> None:
    reply = called_as(
        settings,
        "gateway",
        settings.similarity_addr,
        lambda channel: similarity_pb2_grpc.SimilarityServiceStub(channel).GetItemFrame(
            frame_request(video_item, 0.0)
        ),
        user=EndUser("ada", ("moderator",)),
    )
    assert reply.jpeg.startswith(SOI)

    with grpc.insecure_channel(settings.similarity_addr) as channel:
        stub = similarity_pb2_grpc.SimilarityServiceStub(channel)
        error = refused(stub.GetItemFrame, frame_request(video_item, 0.0))
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED
