"""The similarity contract over real gRPC, against the service in its own process."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest

from modmesh.contracts.common.v1 import evidence_pb2
from modmesh.contracts.similarity.v1 import similarity_pb2, similarity_pb2_grpc
from modmesh.runtime.blobs import Blob, BlobStore
from modmesh.runtime.media import require_tool
from modmesh.similarity.hashing import hash_video
from tests.support import LoopbackSettings, ServiceProcess, loopback_settings, mesh_channel

BANK = "known-scams"


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> LoopbackSettings:
    return loopback_settings(tmp_path_factory.mktemp("similarity"))


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
def known_item(
    stub: similarity_pb2_grpc.SimilarityServiceStub, blobs: BlobStore, gift_card_clip: Path
) -> similarity_pb2.AddItemResponse:
    response: similarity_pb2.AddItemResponse = stub.AddItem(
        similarity_pb2.AddItemRequest(
            media=ref(blobs.put_file(gift_card_clip)), bank=BANK, label="gift card scam"
        )
    )
    return response


def ref(blob: Blob) -> evidence_pb2.MediaRef:
    return evidence_pb2.MediaRef(sha256=blob.sha256, uri=blob.uri, size_bytes=blob.size_bytes)


def refused(call: Callable[[Any], Any], request: Any) -> Any:
    """The error a call raised: a grpc.Call too, with its code() and details()."""
    with pytest.raises(grpc.RpcError) as raised:
        call(request)
    return raised.value


def test_an_added_item_is_found_by_a_reencoded_copy(
    stub: similarity_pb2_grpc.SimilarityServiceStub,
    blobs: BlobStore,
    known_item: similarity_pb2.AddItemResponse,
    gift_card_clip: Path,
    reencoded_clip: Path,
) -> None:
    original = blobs.put_file(gift_card_clip)
    assert known_item.item_id == original.sha256, "item_id defaults to the media's sha256"
    assert known_item.bank == BANK
    assert known_item.hash_count >= 4
    assert known_item.index_snapshot

    response = stub.Search(similarity_pb2.SearchRequest(media=ref(blobs.put_file(reencoded_clip))))

    assert response.index_snapshot == known_item.index_snapshot
    assert response.query_hash_count >= 4
    [match] = response.matches
    assert (match.item_id, match.bank, match.label) == (original.sha256, BANK, "gift card scam")
    assert match.distance <= 31
    assert match.query_match_percent >= 80
    assert match.index_snapshot == known_item.index_snapshot
    assert match.query_ranges[0].start_seconds == 0.0
    assert match.query_ranges[-1].end_seconds > match.query_ranges[0].start_seconds
    # The clip lasts 7.08 s: its last sampled frame (at 7 s) matched too.
    assert match.item_ranges[-1].end_seconds >= 7.0
    assert match.item_match_percent >= 80


def test_search_by_hashes_finds_the_item(
    stub: similarity_pb2_grpc.SimilarityServiceStub,
    known_item: similarity_pb2.AddItemResponse,
    reencoded_clip: Path,
) -> None:
    frames = [
        similarity_pb2.FrameHash(
            pdq_hex=h.hex, timestamp_seconds=h.start_seconds, quality=h.quality
        )
        for h in hash_video(reencoded_clip, fps=1.0)
    ]

    response = stub.Search(
        similarity_pb2.SearchRequest(hashes=similarity_pb2.FrameHashes(frames=frames), banks=[BANK])
    )

    assert response.query_hash_count == len(frames)
    assert [m.item_id for m in response.matches] == [known_item.item_id]


def test_max_distance_zero_asks_for_exact_copies_only(
    stub: similarity_pb2_grpc.SimilarityServiceStub,
    known_item: similarity_pb2.AddItemResponse,
    gift_card_clip: Path,
    reencoded_clip: Path,
) -> None:
    def exact(clip: Path) -> list[similarity_pb2.FrameHash]:
        return [
            similarity_pb2.FrameHash(pdq_hex=h.hex, timestamp_seconds=h.start_seconds)
            for h in hash_video(clip, fps=1.0)
        ]

    def search(clip: Path) -> similarity_pb2.SearchResponse:
        hashes = similarity_pb2.FrameHashes(frames=exact(clip))
        response: similarity_pb2.SearchResponse = stub.Search(
            similarity_pb2.SearchRequest(hashes=hashes, max_distance=0)
        )
        return response

    original = search(gift_card_clip)
    assert [(m.item_id, m.distance) for m in original.matches] == [(known_item.item_id, 0)]
    assert all(m.distance == 0 for m in search(reencoded_clip).matches)


def test_unrelated_and_audio_only_media_find_nothing(
    stub: similarity_pb2_grpc.SimilarityServiceStub,
    blobs: BlobStore,
    known_item: similarity_pb2.AddItemResponse,
    unrelated_clip: Path,
    audio_only_clip: Path,
) -> None:
    unrelated = stub.Search(similarity_pb2.SearchRequest(media=ref(blobs.put_file(unrelated_clip))))
    assert unrelated.query_hash_count > 0
    assert list(unrelated.matches) == []

    audio_only = stub.Search(
        similarity_pb2.SearchRequest(media=ref(blobs.put_file(audio_only_clip)))
    )
    assert audio_only.query_hash_count > 0, "audio-only media is searched by its fingerprint"
    assert list(audio_only.matches) == []
    assert audio_only.index_snapshot == known_item.index_snapshot


def add_request(media: Blob, bank: str = BANK, item_id: str = "") -> similarity_pb2.AddItemRequest:
    return similarity_pb2.AddItemRequest(media=ref(media), bank=bank, item_id=item_id)


def search_request(**fields: Any) -> similarity_pb2.SearchRequest:
    hashes = similarity_pb2.FrameHashes(frames=[similarity_pb2.FrameHash(pdq_hex="0" * 64)])
    return similarity_pb2.SearchRequest(hashes=hashes, **fields)


def text_blob(blobs: BlobStore) -> Blob:
    return blobs.put([b"this is not a video\n"], "text/plain")


def truncated_blob(blobs: BlobStore, clip: Path) -> Blob:
    """The clip with its index moved to the front, cut after 6 kB: it opens, but no
    frame decodes."""
    out = clip.with_name("faststart.mp4")
    subprocess.run(  # noqa: S603 - ffmpeg with arguments we build
        [require_tool("ffmpeg"), "-nostdin", "-v", "error", "-y", "-i", str(clip), "-c", "copy",
         "-movflags", "+faststart", str(out)],
        check=True,
    )  # fmt: skip
    return blobs.put([out.read_bytes()[:6000]], "video/mp4")


def corrupt_blob(blobs: BlobStore, clip: Path) -> Blob:
    """The clip's first 2 kB followed by noise."""
    return blobs.put([clip.read_bytes()[:2000], bytes(range(256)) * 80], "video/mp4")


def hashes_request(*pdq_hex: str, bank: str = BANK, item_id: str = "x") -> Any:
    frames = [similarity_pb2.FrameHash(pdq_hex=h) for h in pdq_hex]
    return similarity_pb2.AddHashesRequest(
        bank=bank, item_id=item_id, hashes=similarity_pb2.FrameHashes(frames=frames)
    )


def missing_blob(blobs: BlobStore) -> Blob:
    sha256 = "f" * 64
    return Blob(sha256, (blobs.root / "ff" / sha256).as_uri(), 10)


@pytest.mark.parametrize(
    ("method", "make_request", "code", "message"),
    [
        ("Search", lambda b, c: search_request(banks=["nope"]), "NOT_FOUND", "bank 'nope'"),
        ("Search", lambda b, c: search_request(banks=["Bad Bank"]), "INVALID_ARGUMENT", "banks[0]"),
        ("Search", lambda b, c: search_request(k=101), "INVALID_ARGUMENT", "k must be"),
        ("Search", lambda b, c: search_request(k=0), "INVALID_ARGUMENT", "k must be"),
        ("Search", lambda b, c: search_request(k=-1), "INVALID_ARGUMENT", "k must be"),
        (
            "Search",
            lambda b, c: search_request(max_distance=257),
            "INVALID_ARGUMENT",
            "max_distance must be",
        ),
        (
            "Search",
            lambda b, c: similarity_pb2.SearchRequest(
                hashes=similarity_pb2.FrameHashes(
                    frames=[
                        similarity_pb2.FrameHash(pdq_hex="0" * 64),
                        similarity_pb2.FrameHash(pdq_hex="xyz"),
                    ]
                )
            ),
            "INVALID_ARGUMENT",
            "hashes.frames[1].pdq_hex",
        ),
        (
            "Search",
            lambda b, c: similarity_pb2.SearchRequest(),
            "INVALID_ARGUMENT",
            "query is required",
        ),
        (
            "Search",
            lambda b, c: similarity_pb2.SearchRequest(media=ref(text_blob(b))),
            "INVALID_ARGUMENT",
            "not a media file",
        ),
        (
            "Search",
            lambda b, c: similarity_pb2.SearchRequest(media=ref(missing_blob(b))),
            "INVALID_ARGUMENT",
            "query is not a blob of the mesh's blob store",
        ),
        (
            "Search",
            lambda b, c: similarity_pb2.SearchRequest(
                media=ref(Blob(b.put_file(c).sha256, "file:///etc/passwd", 0))
            ),
            "INVALID_ARGUMENT",
            "query is not a blob of the mesh's blob store",
        ),
        (
            "AddItem",
            lambda b, c: add_request(b.put_file(c), bank="Bad Bank"),
            "INVALID_ARGUMENT",
            "bank must be",
        ),
        (
            "AddItem",
            lambda b, c: add_request(b.put_file(c), bank=""),
            "INVALID_ARGUMENT",
            "bank must be",
        ),
        ("AddItem", lambda b, c: add_request(b.put_file(c)), "ALREADY_EXISTS", "already exists"),
        ("AddItem", lambda b, c: add_request(text_blob(b)), "INVALID_ARGUMENT", "not a media file"),
        (
            "AddItem",
            lambda b, c: add_request(missing_blob(b)),
            "INVALID_ARGUMENT",
            "media is not a blob of the mesh's blob store",
        ),
        (
            "AddItem",
            lambda b, c: similarity_pb2.AddItemRequest(bank=BANK),
            "INVALID_ARGUMENT",
            "media is required",
        ),
        (
            "AddItem",
            lambda b, c: add_request(truncated_blob(b, c), item_id="truncated"),
            "INVALID_ARGUMENT",
            "no video frame could be decoded",
        ),
        (
            "Search",
            lambda b, c: similarity_pb2.SearchRequest(media=ref(truncated_blob(b, c))),
            "INVALID_ARGUMENT",
            "no video frame could be decoded",
        ),
        (
            "AddItem",
            lambda b, c: add_request(corrupt_blob(b, c), item_id="corrupt"),
            "INVALID_ARGUMENT",
            "not a media file",
        ),
        ("AddHashes", lambda b, c: hashes_request("ab" * 31), "INVALID_ARGUMENT", "64 hex"),
        ("AddHashes", lambda b, c: hashes_request("zz" * 32), "INVALID_ARGUMENT", "64 hex"),
        ("AddHashes", lambda b, c: hashes_request(), "INVALID_ARGUMENT", "hashes.frames"),
        (
            "AddHashes",
            lambda b, c: hashes_request("0" * 64, item_id=""),
            "INVALID_ARGUMENT",
            "item_id is required",
        ),
        (
            "AddHashes",
            lambda b, c: hashes_request("0" * 64, bank="nope"),
            "NOT_FOUND",
            "bank 'nope' does not exist",
        ),
        (
            "RemoveItem",
            lambda b, c: similarity_pb2.RemoveItemRequest(bank="nope", item_id="x"),
            "NOT_FOUND",
            "bank 'nope' does not exist",
        ),
        (
            "RemoveItem",
            lambda b, c: similarity_pb2.RemoveItemRequest(bank=BANK, item_id="never-added"),
            "NOT_FOUND",
            "'never-added' is not in bank",
        ),
        (
            "CreateBank",
            lambda b, c: similarity_pb2.CreateBankRequest(name=BANK),
            "ALREADY_EXISTS",
            "already exists",
        ),
        (
            "CreateBank",
            lambda b, c: similarity_pb2.CreateBankRequest(name="b", max_distance=300),
            "INVALID_ARGUMENT",
            "max_distance must be between 0 and 256",
        ),
        (
            "CreateBank",
            lambda b, c: similarity_pb2.CreateBankRequest(name="b", min_match_percent=120),
            "INVALID_ARGUMENT",
            "min_match_percent must be between 0 and 100",
        ),
        (
            "CreateBank",
            lambda b, c: similarity_pb2.CreateBankRequest(name="Not A Name"),
            "INVALID_ARGUMENT",
            "name must be",
        ),
    ],
    ids=[
        "unknown bank",
        "bad bank name in search",
        "k too large",
        "k negative",
        "k zero",
        "max_distance too large",
        "bad hex",
        "no query",
        "search not-media blob",
        "search unknown blob",
        "search a file outside the store",
        "bad bank name",
        "empty bank name",
        "duplicate item",
        "add not-media blob",
        "add unknown blob",
        "add without media",
        "add truncated video",
        "search truncated video",
        "add corrupt video",
        "hash of 62 hex digits",
        "hash not hex",
        "no hashes",
        "hashes without item_id",
        "hashes to unknown bank",
        "remove from unknown bank",
        "remove unknown item",
        "bank twice",
        "bank distance too large",
        "bank percent too large",
        "bank name not allowed",
    ],
)
def test_bad_input_is_refused_with_its_status_and_the_service_keeps_serving(
    stub: similarity_pb2_grpc.SimilarityServiceStub,
    blobs: BlobStore,
    known_item: similarity_pb2.AddItemResponse,
    gift_card_clip: Path,
    method: str,
    make_request: Callable[[BlobStore, Path], Any],
    code: str,
    message: str,
) -> None:
    request = make_request(blobs, gift_card_clip)

    error = refused(getattr(stub, method), request)

    assert error.code() == grpc.StatusCode[code], error.details()
    assert message in error.details()
    assert stub.Search(search_request()).index_snapshot == known_item.index_snapshot


def test_media_with_neither_detailed_frames_nor_audio_cannot_be_added(
    stub: similarity_pb2_grpc.SimilarityServiceStub, blobs: BlobStore, flat_clip: Path
) -> None:
    error = refused(stub.AddItem, add_request(blobs.put_file(flat_clip)))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "nothing to hash: no video frames with enough detail" in error.details()


def test_audio_only_media_is_added_and_found_by_its_fingerprint(
    stub: similarity_pb2_grpc.SimilarityServiceStub, blobs: BlobStore, audio_only_clip: Path
) -> None:
    blob = blobs.put_file(audio_only_clip)
    added = stub.AddItem(add_request(blob, bank="known-audio", item_id="voice"))

    found = stub.Search(similarity_pb2.SearchRequest(media=ref(blob), banks=["known-audio"]))

    [match] = found.matches
    assert (match.item_id, match.signal, match.distance) == ("voice", "audio", 0)
    assert match.index_snapshot == added.index_snapshot
    assert "+audio-1-" in added.index_snapshot


def test_an_item_survives_a_restart(
    tmp_path_factory: pytest.TempPathFactory, gift_card_clip: Path
) -> None:
    settings = loopback_settings(tmp_path_factory.mktemp("similarity-restart"))
    blob = BlobStore(settings.data_dir / "blobs", settings.max_media_bytes).put_file(gift_card_clip)
    request = similarity_pb2.AddItemRequest(media=ref(blob), bank=BANK, item_id="kept")
    with (
        ServiceProcess("similarity", settings),
        mesh_channel(settings, settings.similarity_addr) as channel,
    ):
        added = similarity_pb2_grpc.SimilarityServiceStub(channel).AddItem(request)

    with (
        ServiceProcess("similarity", settings),
        mesh_channel(settings, settings.similarity_addr) as channel,
    ):
        response = similarity_pb2_grpc.SimilarityServiceStub(channel).Search(
            similarity_pb2.SearchRequest(media=ref(blob))
        )

    assert response.index_snapshot == added.index_snapshot
    [match] = response.matches
    assert (match.item_id, match.distance, match.query_match_percent) == ("kept", 0, 100.0)


def test_exporting_an_unknown_bank_is_refused(
    stub: similarity_pb2_grpc.SimilarityServiceStub,
) -> None:
    error = refused(
        lambda r: list(stub.ExportBank(r)), similarity_pb2.ExportBankRequest(bank="nope")
    )
    assert error.code() == grpc.StatusCode.NOT_FOUND
    assert "bank 'nope' does not exist" in error.details()


def test_a_bank_lifecycle_create_add_hashes_find_export_remove(
    stub: similarity_pb2_grpc.SimilarityServiceStub,
) -> None:
    created = stub.CreateBank(
        similarity_pb2.CreateBankRequest(name="shared", description="from a partner")
    ).bank
    assert (created.bank.max_distance, created.bank.min_match_percent) == (31, 50.0)
    assert (created.item_count, created.base_size, created.delta_size) == (0, 0, 0)
    pdq = ["f0" * 32, "0f" * 32]
    frames = [
        similarity_pb2.FrameHash(pdq_hex=h, timestamp_seconds=i, duration_seconds=2.0)
        for i, h in enumerate(pdq)
    ]
    added = stub.AddHashes(
        similarity_pb2.AddHashesRequest(
            bank="shared",
            item_id="partner-1",
            label="shared hash",
            hashes=similarity_pb2.FrameHashes(frames=frames),
        )
    )
    assert added.hash_count == 2

    found = stub.Search(
        similarity_pb2.SearchRequest(
            hashes=similarity_pb2.FrameHashes(frames=frames[:1]), banks=["shared"]
        )
    )
    [match] = found.matches
    assert (match.item_id, match.distance, match.index_snapshot) == (
        "partner-1",
        0,
        added.index_snapshot,
    )
    assert found.index_snapshot == added.index_snapshot
    [exported] = list(stub.ExportBank(similarity_pb2.ExportBankRequest(bank="shared")))
    assert (exported.item_id, exported.label) == ("partner-1", "shared hash")
    assert [(f.pdq_hex, f.duration_seconds) for f in exported.hashes.frames] == [
        (pdq[0], 2.0),
        (pdq[1], 2.0),
    ]
    listed = {b.bank.name: b for b in stub.ListBanks(similarity_pb2.ListBanksRequest()).banks}
    assert listed["shared"].item_count == 1
    assert listed["shared"].delta_size == 2

    removed = stub.RemoveItem(similarity_pb2.RemoveItemRequest(bank="shared", item_id="partner-1"))

    assert removed.index_snapshot != added.index_snapshot
    again = stub.Search(
        similarity_pb2.SearchRequest(
            hashes=similarity_pb2.FrameHashes(frames=frames[:1]), banks=["shared"]
        )
    )
    assert list(again.matches) == []


def test_media_over_the_size_limit_is_refused(
    tmp_path_factory: pytest.TempPathFactory, gift_card_clip: Path
) -> None:
    settings = loopback_settings(
        tmp_path_factory.mktemp("similarity-small"), max_media_bytes=50_000
    )
    blob = BlobStore(settings.data_dir / "blobs", 10**9).put_file(gift_card_clip)
    with (
        ServiceProcess("similarity", settings),
        mesh_channel(settings, settings.similarity_addr) as channel,
    ):
        stub = similarity_pb2_grpc.SimilarityServiceStub(channel)
        for call, request in (
            (stub.AddItem, add_request(blob)),
            (stub.Search, similarity_pb2.SearchRequest(media=ref(blob))),
        ):
            error = refused(call, request)
            assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
            assert "over the limit of 50000 bytes" in error.details()
