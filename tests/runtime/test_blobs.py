import hashlib
import os
import time
from pathlib import Path

import pytest

from modmesh.runtime.blobs import Blob, BlobStore
from modmesh.runtime.errors import InvalidArgument, ResourceExhausted


def test_a_blob_is_named_by_the_sha256_of_its_bytes(tmp_path: Path) -> None:
    store = BlobStore(tmp_path, max_bytes=1000)
    blob = store.put([b"hello ", b"world"], "text/plain")
    assert blob.sha256 == hashlib.sha256(b"hello world").hexdigest()
    assert blob.size_bytes == 11
    assert blob.path.read_bytes() == b"hello world"
    assert store.resolve(blob) == blob.path


def test_an_upload_over_the_limit_is_refused_and_leaves_nothing_behind(tmp_path: Path) -> None:
    store = BlobStore(tmp_path, max_bytes=10)
    with pytest.raises(ResourceExhausted, match="larger than the limit of 10 bytes"):
        store.put([b"123456", b"7890ab"])
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_an_empty_upload_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgument, match="empty"):
        BlobStore(tmp_path, max_bytes=10).put([b""])


def test_storing_the_same_bytes_twice_keeps_one_blob(tmp_path: Path) -> None:
    store = BlobStore(tmp_path, max_bytes=100)
    assert store.put([b"same"]) == store.put([b"same"])
    assert len([p for p in tmp_path.rglob("*") if p.is_file()]) == 1


def test_a_reference_resolves_to_its_stored_blob_whose_bytes_hash_to_its_sha256(
    tmp_path: Path,
) -> None:
    store = BlobStore(tmp_path / "blobs", max_bytes=100)
    blob = store.put([b"12345"])
    assert store.resolve(Blob(blob.sha256, blob.uri, 0)) == blob.path


def test_a_malformed_sha256_is_refused_naming_the_field(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgument, match=r"query\.sha256 must be 64 lowercase hex"):
        BlobStore(tmp_path, max_bytes=100).resolve(Blob("xyz", "file:///nowhere", 1), "query")


def unresolvable(store: BlobStore, outside: Path) -> dict[str, Blob]:
    stored = store.put([b"12345"])
    outside.write_bytes(b"12345")
    linked = store.root / "ab" / ("ab" * 32)
    linked.parent.mkdir()
    linked.symlink_to(outside)
    swapped_dir = "cd" * 32
    (store.root / "cd").symlink_to(outside.parent)
    (outside.parent / swapped_dir).write_bytes(b"12345")
    return {
        "outside": Blob(stored.sha256, outside.as_uri(), 5),
        "dot-dot": Blob(stored.sha256, f"{stored.uri}/../../{stored.sha256[:2]}/x", 5),
        "missing": Blob("a" * 64, (store.root / "aa" / ("a" * 64)).as_uri(), 5),
        "wrong sha256": Blob("b" * 64, stored.uri, 5),
        "wrong size": Blob(stored.sha256, stored.uri, 6),
        "symlinked file": Blob("ab" * 32, linked.as_uri(), 5),
        "symlinked directory": Blob(swapped_dir, (store.root / "cd" / swapped_dir).as_uri(), 5),
        "not a file URI": Blob(stored.sha256, "https://example.com/a", 5),
        "another host": Blob(stored.sha256, "file://host" + stored.uri[len("file://") :], 5),
    }


def test_every_unresolvable_reference_gets_the_same_message(tmp_path: Path) -> None:
    store = BlobStore(tmp_path / "blobs", max_bytes=100)
    (tmp_path / "elsewhere").mkdir()
    messages = set()
    for name, blob in unresolvable(store, tmp_path / "elsewhere" / "secret").items():
        with pytest.raises(InvalidArgument) as refused:
            store.resolve(blob)
        assert "not a blob of the mesh's blob store" in refused.value.message, name
        messages.add(refused.value.message.replace(blob.sha256, "<sha256>"))
    assert len(messages) == 1


def test_a_stored_blob_over_the_limit_is_refused_naming_the_limit(tmp_path: Path) -> None:
    blob = BlobStore(tmp_path, max_bytes=100).put([b"12345"])
    with pytest.raises(ResourceExhausted, match="over the limit of 4 bytes"):
        BlobStore(tmp_path, max_bytes=4).resolve(blob)


def age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_the_sweeper_removes_old_unreferenced_blobs_and_abandoned_uploads_only(
    tmp_path: Path,
) -> None:
    store = BlobStore(tmp_path, max_bytes=100)
    referenced, orphan, fresh = (store.put([text]) for text in (b"case media", b"orphan", b"new"))
    abandoned = tmp_path / ".upload-abandoned"
    abandoned.write_bytes(b"half an upload")
    for path in (referenced.path, orphan.path, abandoned):
        age(path, 3600)
    asked: list[list[str]] = []

    def still_referenced(batch: list[str]) -> set[str]:
        asked.append(batch)
        return {referenced.sha256} & set(batch)

    removed = store.sweep(still_referenced, grace_seconds=600)

    assert removed == 2
    assert not orphan.path.exists()
    assert not abandoned.exists()
    assert referenced.path.exists()
    assert fresh.path.exists()  # within the grace period: its case may not exist yet
    assert fresh.sha256 not in [sha for batch in asked for sha in batch]


def test_uploading_bytes_the_store_holds_restarts_their_grace_period(tmp_path: Path) -> None:
    store = BlobStore(tmp_path, max_bytes=100)
    blob, created = store.add([b"same"])
    age(blob.path, 3600)

    again, created_again = store.add([b"same"])

    assert (created, created_again) == (True, False)
    assert store.sweep(lambda batch: set(), grace_seconds=600) == 0
    assert again.path.exists()
